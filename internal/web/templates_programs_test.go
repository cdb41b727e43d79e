package web

import (
	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/programs"
	"github.com/fosis/fosis/internal/targeting"
)

func init() {
	keyPrefixes = append(keyPrefixes, "programs", "calls", "trace", "preview", "callwhatif")
	prog := programs.Program{Code: "yo-trabajo", Area: programs.AreaEmployment, Unit: programs.UnitPerson, Version: 2, NameES: "Yo Trabajo",
		NameEN: "Yo Trabajo (employment)", AmountCLP: 300000, Months: 7,
		Spec: programs.Spec{ComponentsES: []string{"Formación"}, ComponentsEN: []string{"Training"}, TargetES: "Personas", TargetEN: "People"}}
	call := &programs.Call{ID: 1, Code: "yt-2027", Title: "Yo Trabajo 2027", Program: "yo-trabajo", ProgramVersion: 2, ProgramNameES: "Yo Trabajo",
		ProgramNameEN: "Yo Trabajo (employment)", Unit: programs.UnitPerson, AmountCLP: 300000, Status: programs.StatusOpen,
		OpensOn: "2027-01-04", ClosesOn: "2027-02-26", Run: 2, BudgetCLP: 3000000, CommittedCLP: 600000,
		Communes: map[string]int{"13101": 10}, Places: 10,
		Spec: programs.CallSpec{Rules: []programs.Rule{{ID: "adult", NameES: "Mayor de edad", NameEN: "Adult", Expr: "age >= 18"}}}}
	closed, selected, draft := *call, *call, *call
	closed.Status, selected.Status, draft.Status = programs.StatusClosed, programs.StatusSelected, programs.StatusDraft
	hh := *call
	hh.Unit = programs.UnitHousehold
	apps := []programs.Application{
		{ID: 5, Call: "yt-2027", RUN: "12.345.678-5", HouseholdID: "H0000007", Commune: "13101", Channel: "staff", Status: programs.AppSelected, Eligible: true, Rank: 1,
			Attrs: programs.Attrs{Scored: true, Bracket: 40, Percentile: 12.5}},
		{ID: 6, Call: "yt-2027", RUN: "9.876.543-3", HouseholdID: "H0000009", Commune: "13101", Channel: "api", Status: programs.AppWaitlisted, Eligible: true, Rank: 2, WaitPos: 1,
			Attrs: programs.Attrs{Scored: true, Bracket: 40, Percentile: 30}},
		{ID: 7, Call: "yt-2027", RUN: "1.111.111-4", HouseholdID: "H0000011", Commune: "13101", Channel: "csv", Status: programs.AppIneligible},
	}
	ineligible := apps[2]
	ineligible.Failed = []programs.Failure{{Rule: "tramo40", NameES: "Tramo 40 del RSH", NameEN: "RSH 40% bracket", Values: map[string]any{"bracket": 60, "scored": true}}}
	runs := []targeting.Run{{ID: 2, ModelName: "RSH", AsOf: "2026-11-01"}}
	moreTemplateCases = append(moreTemplateCases,
		templateCase{"programs", programsData{Programs: []programView{viewProgram(prog, "es")}}, `id="program-yo-trabajo"`},
		templateCase{"programs", programsData{}, `id="programs-empty"`},
		templateCase{"calls", callsData{Calls: []callView{viewCall(call, "es")}, CanManage: true}, `href="/calls/yt-2027"`},
		templateCase{"calls", callsData{CanManage: true}, `id="calls-empty"`},
		templateCase{"call_new", callNewData{Programs: []programView{viewProgram(prog, "en")}, Runs: runs, Form: callForm{Program: "yo-trabajo", Run: "2"}}, `<option value="2" selected>`},
		templateCase{"call_new", callNewData{Problems: byField([]fosis.FieldError{{Field: "budget_clp", Message: "over the budget"}}), Summary: []string{"Presupuesto: over"}}, `id="call-errors"`},
		templateCase{"call_new", callNewData{}, `id="call-no-runs"`},
		templateCase{"call", callData{Call: viewCall(call, "es"), Apps: apps, CanManage: true, CanApply: true, Counts: map[string]int{"selected": 1, "waitlisted": 1, "ineligible": 1}}, `id="withdraw-6"`},
		templateCase{"call", callData{Call: viewCall(call, "es"), Apps: apps, CanApply: true, Total: 3}, `id="enroll-5"`},
		templateCase{"call", callData{Call: viewCall(call, "es"), Apps: apps, Total: 900, After: 3, Next: 9}, `id="apps-next" href="/calls/` + call.Code + `?after=9"`},
		templateCase{"call", callData{Call: viewCall(call, "es"), Apps: apps, Total: 900, After: 3}, `id="apps-first"`},
		templateCase{"call", callData{Call: viewCall(&draft, "es"), CanManage: true}, `id="call-open"`},
		templateCase{"call", callData{Call: viewCall(&closed, "es"), CanManage: true}, `id="call-select"`},
		templateCase{"call", callData{Call: viewCall(&selected, "es"), CanManage: true}, `id="call-publish"`},
		templateCase{"call", callData{Call: viewCall(&hh, "es"), CanApply: true}, `id="household_id"`},
		templateCase{"call", callData{Call: viewCall(call, "es"), Error: fosis.Errorf(fosis.ECONFLICT, "call yt-2027 is closed"), ErrorKey: "calls.err.apply"}, `id="call-error"`},
		templateCase{"call", callData{Call: viewCall(call, "es")}, `id="applications-empty"`},
		templateCase{"call_preview", previewData{Call: viewCall(call, "es"), Report: &programs.PreviewReport{PreviewResult: &programs.PreviewResult{
			Applicants: 1200, Eligible: 300, Households: 250, Regions: []programs.PreviewCount{{Code: "13", Name: "Metropolitana de Santiago", Applicants: 1200, Eligible: 300, Households: 250}}}}}, `id="preview-regions"`},
		templateCase{"call_preview", previewData{Call: viewCall(call, "es"), Report: &programs.PreviewReport{PreviewResult: &programs.PreviewResult{}}}, `id="preview-empty"`},
		templateCase{"call_whatif", callWhatIfData{Call: viewCall(call, "es"), Form: whatIfForm{Quotas: "13101 = 10"}}, `id="whatif-form"`},
		templateCase{"call_whatif", callWhatIfData{Call: viewCall(call, "es"), Errors: []fosis.FieldError{{Field: "communes", Message: "line 1"}}}, `id="whatif-errors"`},
		templateCase{"call_whatif", callWhatIfData{Call: viewCall(call, "es"), Result: &programs.WhatIfResult{Selected: 2, SelectedAfter: 3, BudgetCLP: 3000000, CostCLP: 600000, CostAfterCLP: 900000,
			Enter: []programs.Move{{ID: 6, RUN: "9.876.543-3", HouseholdID: "H0000009", Commune: "13101", Rank: 2}}}, Changes: []communeChange{{"13101", 2, 3}}}, `id="whatif-enter"`},
		templateCase{"trace", traceData{App: &ineligible, Call: viewCall(call, "es"), Failures: viewFailures(ineligible.Failed, "es")}, `bracket = 60; scored = true`},
		templateCase{"trace", traceData{App: &apps[1], Call: viewCall(call, "es")}, `id="trace-waitpos">1<`},
		templateCase{"trace", traceData{App: &apps[1], Call: viewCall(call, "es"), Seat: viewSeat("waitlist@13")}, `id="trace-seat">`},
		templateCase{"trace", traceData{App: &apps[0], Call: viewCall(call, "es"), Seat: viewSeat("reserved:1@13101")}, `id="trace-seat">`},
		templateCase{"trace", traceData{App: &apps[0], Call: viewCall(call, "es"), Seat: viewSeat("region@13")}, `id="trace-seat">`},
		templateCase{"trace", traceData{App: &apps[0], Call: viewCall(call, "es"), Promoted: &apps[1]}, `id="promoted"`},
	)
}
