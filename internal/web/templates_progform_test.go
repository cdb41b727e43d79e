package web

import (
	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/cooperation"
	"github.com/fosis/fosis/internal/programs"
	"github.com/fosis/fosis/internal/targeting"
)

// withQuotas gives a call view the quotas by name the call page shows.
func withQuotas(v callView) callView {
	for code, n := range v.Communes {
		v.QuotaList = append(v.QuotaList, placeQuota{Code: code, Name: "Santiago", Places: n})
	}
	for code, n := range v.Regions {
		v.QuotaList = append(v.QuotaList, placeQuota{Code: code, Name: "Metropolitana de Santiago", Places: n, Region: true})
	}
	return v
}

// withCurrency sets the sample project's currency.
func withCurrency(d *coopProjectData) *coopProjectData {
	d.V.Project.Currency = "EUR"
	return d
}

// withDesign opens the sample project's design in the design form.
func withDesign(d *coopProjectData) *coopProjectData {
	d.Design = designFormOf(d.V.Design, "2026-11-27")
	d.StageList = []string{"request", "planning", "execution", "systematization"}
	d.Levels = []string{"authority", "director", "coordinator", "professional"}
	return d
}

// withEvent gives the sample project page an exchange-event form as typed.
func withEvent(d *coopProjectData) *coopProjectData {
	d.Event = eventForm{Kind: "workshop", Mode: "remote", Start: "2026-09-01", End: "2026-09-02",
		Participants: []participantRow{{Side: "chile", Name: "Luis"}, {Side: "partner", Name: "Carmen"}, {Side: "third", Name: "Ana <b>"}}}
	d.EventKinds = cooperation.EventKinds
	d.Sides = []string{"chile", "partner", "third"}
	return d
}

func init() {
	keyPrefixes = append(keyPrefixes, "progform", "rulebuilder", "callform", "modelform", "coopevent", "coopdesign")
	for _, k := range modelLabels {
		moreHandlerKeys = append(moreHandlerKeys, k)
	}
	for _, k := range []string{"age_min", "age_between", "bracket_max", "commune_in", "sex", "head", "in_programme", "not_in_programme"} {
		moreHandlerKeys = append(moreHandlerKeys, "rulebuilder.name."+k)
	}
	moreHandlerKeys = append(moreHandlerKeys, "progform.row_of")
	p := programs.Program{LineID: 5, Code: "yo-trabajo", Area: "employment", Unit: "person", Version: 2, NameES: "Yo Trabajo <b>",
		NameEN: "Yo Trabajo", AmountCLP: 300000, Months: 7, CreatedAt: "2026-11-27T10:00:00Z", CreatedBy: "ana",
		Spec: programs.Spec{ComponentsES: []string{"Ruta de empleo"}, TargetES: "Tramo 40%"}}
	view := viewProgram(p, "es")
	reserved := &programs.Call{Code: "semilla-2027", Title: "Semilla 2027", Program: "yo-emprendo-semilla", Status: "draft", Unit: "person",
		Communes: map[string]int{"13101": 5}, Regions: map[string]int{"13": 9}, Places: 9,
		Spec: programs.CallSpec{Reserved: []programs.ReservedShare{{Rule: programs.Rule{ID: "w", NameES: "Mujeres jefas de hogar", NameEN: "Women heads of household",
			Expr: `sex == "F" && relation == "head"`}, Share: 0.3}}}}
	progs := []programView{view}
	rows := []ruleRow{{Kind: ruleBracketMax, A: "40"}, {Kind: ruleAgeBetween, A: "18", B: "29"}, {Kind: ruleCommuneIn, List: "13101, 13123"},
		{Kind: ruleSex, List: "F"}, {Kind: ruleHead}, {Kind: ruleInProgramme, List: "yo-trabajo"}, {Kind: ruleNotInRecent, List: "yo-trabajo", A: "24"},
		{Kind: ruleAgeMin, A: "18"}, {Kind: ruleCEL, ID: "x", NameES: "x", NameEN: "x", Expr: "age >= 18 && !employed"}}
	form := programForm{NameES: "Yo Trabajo", NameEN: "Yo Trabajo", Amount: "300000", Months: "7", Components: []componentRow{{"Ruta", "Path"}}, Rules: rows}
	bad := []fosis.FieldError{{Field: "spec.rules[8].expr", Message: "line 1, column 3: syntax error"}, {Field: "duration_months", Message: "at least 1"},
		{Field: "components[0]", Message: "both"}}
	problems := byField(bad)
	moreTemplateCases = append(moreTemplateCases,
		templateCase{"program", programData{Program: view, Versions: []programs.Program{p}, CanManage: true, JSON: `{"code": "<x>"}`, Saved: "2",
			Form: form, Rules: ruleBlock("rules", rows, nil, progs)}, `id="program-saved"`},
		// The CEL a builder row writes, shown as written (escaped once for HTML, never \u003e).
		templateCase{"program", programData{Program: view, Versions: []programs.Program{p}, CanManage: true, JSON: `{"code": "<x>"}`,
			Form: form, Rules: ruleBlock("rules", rows, nil, progs)}, `<code>scored &amp;&amp; bracket &lt;= 40</code>`},
		templateCase{"program", programData{Program: view, Versions: []programs.Program{p}, CanManage: true, JSON: `{"code": "<x>"}`,
			Form: form, Rules: ruleBlock("rules", rows, nil, progs)}, `{&#34;code&#34;: &#34;&lt;x&gt;&#34;}</textarea>`},
		templateCase{"program", programData{Program: view, Versions: []programs.Program{p}, CanManage: true, Form: form, Problems: problems,
			Rules: ruleBlock("rules", rows, problems, progs), Summary: []string{"Regla 9: line 1"}}, `id="rules-8-problems"`},
		templateCase{"program", programData{Program: view, Versions: []programs.Program{p}, CanManage: true, Form: programForm{},
			Rules: ruleBlock("rules", nil, nil, progs)}, `id="rules-none"`},
		templateCase{"program", programData{Program: view, Versions: []programs.Program{p}, CanManage: true, Form: form, Rules: ruleBlock("rules", rows, nil, progs),
			JSONError: []fosis.FieldError{{Field: "program", Message: "unexpected EOF"}}}, `id="program-json-errors"`},
		templateCase{"program", programData{Program: view, Versions: []programs.Program{p}}, `id="program-versions"`},
		// The cost-sharing chart's legend says the currency; a long name has
		// its own line, the bars start below it at the left edge.
		templateCase{"coopproject", withCurrency(sampleProjectPage(cooperation.StepExecuting)), `<li class="list-inline-item fosis-legend-currency">`},
		templateCase{"coopproject", withDesign(sampleProjectPage(cooperation.StepDesigning)), `id="team-0" name="team.0.first" value="`},
		templateCase{"coopproject", withDesign(sampleProjectPage(cooperation.StepDesigning)), `id="stages-3-end"`},
		templateCase{"coopproject", withEvent(sampleProjectPage(cooperation.StepExecuting)), `id="participants-2-name" name="participants.2.name" value="Ana &lt;b&gt;"`},
		templateCase{"coopproject", withCurrency(sampleProjectPage(cooperation.StepExecuting)), ` EUR</title></rect>`},
		templateCase{"coopproject", withCurrency(sampleProjectPage(cooperation.StepExecuting)), `<text class="fosis-chart-label" x="0" y="13">`},
		templateCase{"call", callData{Call: withQuotas(viewCall(reserved, "es")), Created: true}, `<ul class="mb-0" id="call-reserved"><li>30`},
		templateCase{"call", callData{Call: withQuotas(viewCall(reserved, "es"))}, `<li>Santiago: 5</li>`},
		templateCase{"call_preview", previewData{Call: withQuotas(viewCall(reserved, "es")), Report: &programs.PreviewReport{PreviewResult: &programs.PreviewResult{}}},
			`: Santiago, `},
		templateCase{"call_new", callNewData{Form: callForm{Communes: []quotaRow{{"13101", "5"}, {"", "x"}}, Regions: []quotaRow{{"13", "9"}}},
			Regions:  []regionOptions{{Code: "13", Name: "Metropolitana", Communes: []placeQuota{{Code: "13101", Name: "Santiago"}}}},
			Problems: byField([]fosis.FieldError{{Field: "communes[1]", Message: "choose"}, {Field: "spec.reserved[0].share", Message: "share"}}),
			Reserved: func() ruleBlockView {
				b := ruleBlock("reserved", []ruleRow{{Kind: ruleHead, Share: "30"}}, byField([]fosis.FieldError{{Field: "spec.reserved[0].share", Message: "share"}}), progs)
				b.Share = true
				return b
			}()}, `id="reserved-0-share"`},
		templateCase{"call_new", callNewData{Form: callForm{Communes: []quotaRow{{"13101", "5"}}},
			Regions: []regionOptions{{Code: "13", Name: "Metropolitana", Communes: []placeQuota{{Code: "13101", Name: "Santiago"}}}}}, `<option value="13101" selected>Santiago</option>`},
	)
}

func init() {
	income := modelFormOf(targeting.DefaultModel())
	var pmt modelForm
	for _, m := range targeting.BuiltinModels() {
		if m.Kind == targeting.KindPMT {
			pmt = modelFormOf(m)
		}
	}
	bad := []fosis.FieldError{fosis.KeyedField("params.equivalence_exponent", "targeting.err.unit_range", "must be between 0 and 1, got %v", 3.0)}
	pbad := []fosis.FieldError{fosis.KeyedField("params.numeric.members", "targeting.err.finite", "must be a finite number, got %v", "NaN")}
	moreTemplateCases = append(moreTemplateCases,
		templateCase{"whatif", whatIfData{Form: income, AsOf: "2026-11-01", Fields: income.modelProblems(bad), Problems: bad}, `id="f-params.equivalence_exponent" name="params.equivalence_exponent" value="0.7">`},
		templateCase{"whatif", whatIfData{Form: income, AsOf: "2026-11-01", Fields: income.modelProblems(bad), Problems: bad}, `<div class="invalid-feedback">`},
		templateCase{"whatif", whatIfData{Form: income, Activated: "chile-rsh v2"}, `id="whatif-activated"`},
		templateCase{"whatif", whatIfData{Form: pmt, Numerics: targeting.NumericFeatures(), Categoricals: targeting.CategoricalFeatures(),
			Fields: pmt.modelProblems(pbad), Problems: pbad}, `id="numeric-0-weight"`},
		templateCase{"whatif", whatIfData{Form: pmt, Numerics: targeting.NumericFeatures(), Categoricals: targeting.CategoricalFeatures()}, `id="categorical-add"`},
	)
}
