package web

import (
	"github.com/fosis/fosis/internal/programs"
)

func init() {
	keyPrefixes = append(keyPrefixes, "progedit", "agencies", "appimport")
	moreHandlerKeys = append(moreHandlerKeys, "agencies.done.agency", "agencies.done.contract", "agencies.done.staff")
	p := programs.Program{LineID: 5, Code: "yo-trabajo", Area: "employment", Unit: "person", Version: 2, NameES: "Yo Trabajo <b>",
		NameEN: "Yo Trabajo", AmountCLP: 300000, Months: 7, CreatedAt: "2026-11-27T10:00:00Z", CreatedBy: "ana",
		Spec: programs.Spec{ComponentsES: []string{"Ruta de empleo"}, TargetES: "Tramo 40%"}}
	view := viewProgram(p, "es")
	openCall := &programs.Call{Code: "semilla-2027", Title: "Semilla 2027", Program: "yo-emprendo-semilla", Status: "open", Unit: "person"}
	agency := programs.Agency{ID: 1, Code: "ong-sur", Name: "ONG del Sur", Contracts: []programs.Contract{{ID: 1, Line: "yo-trabajo",
		TenderCode: "LIC-7", StartsOn: "2026-12-01", EndsOn: "2027-11-30", Families: 40, BudgetCLP: 40000000, Communes: []string{"13101", "13102"}}}}
	moreTemplateCases = append(moreTemplateCases,
		templateCase{"agencies", agenciesData{Agencies: []programs.Agency{agency}, Programs: []programView{view}, CanManage: true}, `id="contract-form-ong-sur"`},
		templateCase{"agencies", agenciesData{Agencies: []programs.Agency{agency}, Done: "agencies.done.contract"}, `<td>13101, 13102</td>`},
		templateCase{"agencies", agenciesData{CanManage: true, Problem: "there is already an agency with code \"x\""}, `id="agencies-error"`},
		templateCase{"agencies", agenciesData{}, `id="agencies-empty"`},
		templateCase{"call", callData{Call: viewCall(openCall, "es"), CanApply: true}, `id="import-form"`},
		templateCase{"call", callData{Call: viewCall(openCall, "es"), Import: &programs.ImportReport{Rows: 3,
			Errors: []programs.RowError{{Line: 2, Field: "run", Message: "check digit <b>"}}}}, ` · <code>run</code>: check digit &lt;b&gt;</li>`},
		templateCase{"call", callData{Call: viewCall(openCall, "es"), Import: &programs.ImportReport{Rows: 3, Stored: 3, Eligible: 2, Ineligible: 1}}, `id="import-report"`},
	)
}
