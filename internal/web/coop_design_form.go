package web

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/fosis/fosis/internal/cooperation"
)

// The design form of a project page: the summary, objectives, dates, the
// four stages, results with their indicators, activities, the mirrored
// teams and the budget lines, each list as rows added and removed by the
// server. Results are rows of indicators (a result with several
// indicators has a row per indicator, with the same result title), so any
// design opens in the form as it is. The JSON of docs/cooperation.md stays
// for power users (a box in the same form: when filled, it is used).

// designForm is the design form as typed.
type designForm struct {
	Summary, Start, End, Drafted, JSON string
	Objectives                         []string
	Stages                             []stageRow
	Results                            []resultRow
	Activities                         []activityRow
	Team                               []memberRow
	Budget                             []coopBudgetRow
}

type stageRow struct{ Stage, Start, End string }
type resultRow struct{ Result, Type, Indicator, BaselineYear, Baseline, Target string }
type activityRow struct{ Title, Stage, Start, End string }
type memberRow struct {
	Key, Side, StaffID, Name, Institution, Role, Level, Mirror, Share, From, To string
}
type coopBudgetRow struct{ Org, Year, Category, Kind, Valuation, Amount string }

// designFormOf opens a design (nil: a new one) in the form.
func designFormOf(d *cooperation.Design, today string) designForm {
	f := designForm{Drafted: today}
	stages := map[cooperation.Stage]cooperation.StagePlan{}
	if d != nil {
		f.Summary, f.Start, f.End, f.Objectives = d.Summary, d.Start.String(), d.End.String(), append([]string(nil), d.Objectives...)
		if !d.Drafted.IsZero() {
			f.Drafted = d.Drafted.String()
		}
		for _, s := range d.Stages {
			stages[s.Stage] = s
		}
		for _, r := range d.Results {
			if len(r.Indicators) == 0 {
				f.Results = append(f.Results, resultRow{Result: r.Title, Type: strconv.Itoa(r.Type)})
			}
			for _, in := range r.Indicators {
				f.Results = append(f.Results, resultRow{Result: r.Title, Type: strconv.Itoa(r.Type), Indicator: in.Title,
					BaselineYear: strconv.Itoa(in.BaselineYear), Baseline: fnum(in.Baseline), Target: fnum(in.Target)})
			}
		}
		for _, a := range d.Activities {
			f.Activities = append(f.Activities, activityRow{Title: a.Title, Stage: string(a.Stage), Start: a.Start.String(), End: a.End.String()})
		}
		for _, m := range d.Team {
			row := memberRow{Key: m.Key, Side: string(m.Side), Name: m.Name, Institution: m.Institution, Role: m.Role, Level: string(m.Level),
				Mirror: m.Mirror, From: string(m.From), To: string(m.To)}
			if m.StaffID != 0 {
				row.StaffID = strconv.FormatInt(m.StaffID, 10)
			}
			if m.Share != 0 {
				row.Share = strconv.Itoa(m.Share)
			}
			f.Team = append(f.Team, row)
		}
		for _, b := range d.Budget {
			f.Budget = append(f.Budget, coopBudgetRow{Org: b.Org, Year: strconv.Itoa(b.Year), Category: b.Category, Kind: b.Kind, Valuation: b.Valuation,
				Amount: strconv.FormatInt(b.Amount, 10)})
		}
	}
	for _, st := range cooperation.Stages {
		s := stages[st]
		f.Stages = append(f.Stages, stageRow{Stage: string(st), Start: s.Start.String(), End: s.End.String()})
	}
	if len(f.Objectives) == 0 {
		f.Objectives = []string{""}
	}
	if len(f.Team) == 0 {
		f.Team = []memberRow{{Side: string(cooperation.SideChile)}, {Side: string(cooperation.SidePartner)}}
	}
	return f
}

// designFormFrom reads the posted form.
func designFormFrom(form url.Values) designForm {
	g := func(k string) string { return strings.TrimSpace(form.Get(k)) }
	f := designForm{Summary: form.Get("summary"), Start: g("start"), End: g("end"), Drafted: g("drafted"), JSON: form.Get("design")}
	rows := func(block string, each func(p string)) {
		for i := range maxFormRows {
			p := fmt.Sprintf("%s.%d.", block, i)
			if !form.Has(p + "first") {
				return
			}
			each(p)
		}
	}
	rows("objectives", func(p string) { f.Objectives = append(f.Objectives, form.Get(p+"first")) })
	rows("stages", func(p string) { f.Stages = append(f.Stages, stageRow{g(p + "first"), g(p + "start"), g(p + "end")}) })
	rows("results", func(p string) {
		f.Results = append(f.Results, resultRow{g(p + "first"), g(p + "type"), g(p + "indicator"), g(p + "baseline_year"), g(p + "baseline"), g(p + "target")})
	})
	rows("activities", func(p string) {
		f.Activities = append(f.Activities, activityRow{g(p + "first"), g(p + "stage"), g(p + "start"), g(p + "end")})
	})
	rows("team", func(p string) {
		f.Team = append(f.Team, memberRow{g(p + "first"), g(p + "side"), g(p + "staff_id"), g(p + "name"), g(p + "institution"), g(p + "role"),
			g(p + "level"), g(p + "mirror"), g(p + "share"), g(p + "from"), g(p + "to")})
	})
	rows("budget", func(p string) {
		f.Budget = append(f.Budget, coopBudgetRow{g(p + "first"), g(p + "year"), g(p + "category"), g(p + "kind"), g(p + "valuation"), g(p + "amount")})
	})
	return f
}

// rows applies a row button of the design form; it reports whether do was
// one.
func (f *designForm) rows(do string) bool {
	var acted bool
	if f.Objectives, acted = rowAction(do, "objectives", f.Objectives, "", nil); acted {
		return true
	}
	if f.Results, acted = rowAction(do, "results", f.Results, resultRow{Type: "1"}, nil); acted {
		return true
	}
	if f.Activities, acted = rowAction(do, "activities", f.Activities, activityRow{Stage: string(cooperation.StageExecution)}, nil); acted {
		return true
	}
	if f.Team, acted = rowAction(do, "team", f.Team, memberRow{Side: string(cooperation.SidePartner), Level: string(cooperation.LevelProfessional)}, nil); acted {
		return true
	}
	f.Budget, acted = rowAction(do, "budget", f.Budget, coopBudgetRow{Kind: "cash"}, nil)
	return acted
}

// design turns the form into a design (the slice checks it); empty rows
// are left out. A value that is not a date, a month or a number is refused
// naming its field.
func (f designForm) design(form coopForm) (*cooperation.Design, error) {
	d := &cooperation.Design{Summary: strings.TrimSpace(f.Summary)}
	var err error
	date := func(field, v string) cooperation.Date {
		if err != nil {
			return cooperation.Date{}
		}
		var x cooperation.Date
		if x, err = cooperation.ParseDate(v); err != nil {
			err = coopFieldErr(field, "coop.err.form.date", "%q is not a date (YYYY-MM-DD)", v)
		}
		return x
	}
	optDate := func(field, v string) cooperation.Date {
		if v == "" {
			return cooperation.Date{}
		}
		return date(field, v)
	}
	whole := func(field, v string, optional bool) int64 {
		if err != nil || (v == "" && optional) {
			return 0
		}
		n, e := strconv.ParseInt(pesos(v), 10, 64)
		if e != nil {
			err = coopFieldErr(field, "coop.err.form.number", "%q is not a whole number; write digits only, without separators", v)
		}
		return n
	}
	number := func(field, v string) float64 {
		if err != nil || v == "" {
			return 0
		}
		x, e := strconv.ParseFloat(strings.ReplaceAll(v, ",", "."), 64)
		if e != nil {
			err = coopFieldErr(field, "modelform.err.number", "write a number")
		}
		return x
	}
	month := func(field, v string) cooperation.Month {
		if err != nil || v == "" {
			return ""
		}
		m, e := cooperation.ParseMonth(v)
		if e != nil {
			err = coopFieldErr(field, "coop.err.month_yyyy_mm", "%q is not a month (YYYY-MM)", v)
		}
		return m
	}
	d.Start, d.End, d.Drafted = date("start", f.Start), date("end", f.End), optDate("drafted", f.Drafted)
	for _, o := range f.Objectives {
		if o = strings.TrimSpace(o); o != "" {
			d.Objectives = append(d.Objectives, o)
		}
	}
	for i, s := range f.Stages {
		if s.Start == "" && s.End == "" {
			continue
		}
		at := fmt.Sprintf("stages[%d]", i)
		d.Stages = append(d.Stages, cooperation.StagePlan{Stage: cooperation.Stage(s.Stage), Start: date(at+".start", s.Start), End: date(at+".end", s.End)})
	}
	index := map[string]int{}
	for i, r := range f.Results {
		if r.Result == "" && r.Indicator == "" {
			continue
		}
		at := fmt.Sprintf("results[%d]", i)
		k, ok := index[r.Result]
		if !ok {
			k = len(d.Results)
			index[r.Result] = k
			d.Results = append(d.Results, cooperation.Result{Title: r.Result, Type: int(whole(at+".type", r.Type, false))})
		}
		if r.Indicator != "" {
			d.Results[k].Indicators = append(d.Results[k].Indicators, cooperation.Indicator{Title: r.Indicator,
				BaselineYear: int(whole(at+".baseline_year", r.BaselineYear, true)), Baseline: number(at+".baseline", r.Baseline), Target: number(at+".target", r.Target)})
		}
	}
	for i, a := range f.Activities {
		if a.Title == "" && a.Start == "" && a.End == "" {
			continue
		}
		at := fmt.Sprintf("activities[%d]", i)
		d.Activities = append(d.Activities, cooperation.Activity{Title: a.Title, Stage: cooperation.Stage(a.Stage), Start: date(at+".start", a.Start), End: date(at+".end", a.End)})
	}
	for i, m := range f.Team {
		if m.Key == "" && m.Name == "" {
			continue
		}
		at := fmt.Sprintf("team[%d]", i)
		d.Team = append(d.Team, cooperation.Member{Key: m.Key, Side: cooperation.Side(m.Side), StaffID: whole(at+".staff_id", m.StaffID, true), Name: m.Name,
			Institution: m.Institution, Role: m.Role, Level: cooperation.Level(m.Level), Mirror: m.Mirror, Share: int(whole(at+".share", m.Share, true)),
			From: month(at+".from", m.From), To: month(at+".to", m.To)})
	}
	for i, b := range f.Budget {
		if b.Org == "" && b.Amount == "" {
			continue
		}
		at := fmt.Sprintf("budget[%d]", i)
		d.Budget = append(d.Budget, cooperation.BudgetLine{Org: b.Org, Year: int(whole(at+".year", b.Year, false)), Category: b.Category, Kind: b.Kind,
			Valuation: b.Valuation, Amount: whole(at+".amount", b.Amount, false)})
	}
	return d, err
}
