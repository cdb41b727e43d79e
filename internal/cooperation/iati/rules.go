package iati

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Finding is a broken IATI rule: the ruleset id, where (the activity and
// element), and what is wrong.
type Finding struct {
	Rule     string `json:"rule"`
	Activity string `json:"activity"`
	Path     string `json:"path"`
	Message  string `json:"message"`
}

// String formats f as "activity: path: message (rule)".
func (f Finding) String() string {
	return fmt.Sprintf("%s: %s: %s (rule %s)", f.Activity, f.Path, f.Message, f.Rule)
}

// Check applies the IATI 2.03 Rulesets that matter to cooperation projects
// (https://iatistandard.org/en/guidance/standard-guidance/rulesets/, the
// IATI Validator's rules) to every activity of doc as of
// now, and returns what fails, in document order. The XSD checks structure;
// these check meaning.
func Check(doc *Activities, now time.Time) []Finding {
	today := now.UTC().Format(time.DateOnly)
	var out []Finding
	for i := range doc.Activities {
		a := &doc.Activities[i]
		id := a.Identifier
		if id == "" {
			id = fmt.Sprintf("activity %d", i+1)
		}
		add := func(rule, path, format string, args ...any) {
			out = append(out, Finding{Rule: rule, Activity: id, Path: path, Message: fmt.Sprintf(format, args...)})
		}
		ref := a.ReportingOrg.Ref
		switch {
		case a.Identifier == "":
			add("1.1.1", "iati-identifier", "the activity has no identifier")
		case a.Identifier == ref:
			add("1.1.3", "iati-identifier", "the identifier is the reporting organisation's own id")
		case ref == "" || !strings.HasPrefix(a.Identifier, ref+"-"):
			add("1.1.21", "iati-identifier", "the identifier does not start with the reporting organisation id %q and a dash", ref)
		}
		if strings.ContainsAny(a.Identifier, "/&|?") || strings.TrimSpace(a.Identifier) != a.Identifier {
			add("1.3.13", "iati-identifier", "the identifier contains / & | ? or surrounding spaces")
		}
		if a.ReportingOrg.Ref == "" || a.ReportingOrg.Type == "" {
			add("1.14.1", "reporting-org", "the reporting organisation needs its ref and type")
		}
		if a.Lang == "" {
			add("4.1.1", "@xml:lang", "no default language")
		}
		if a.DefaultCurrency == "" {
			add("7.8.1", "@default-currency", "no default currency")
		}
		if a.LastUpdated != "" {
			if t, err := time.Parse(time.RFC3339, a.LastUpdated); err == nil && t.After(now) {
				add("11.1.1", "@last-updated-datetime", "%s is in the future", a.LastUpdated)
			}
		}
		if strings.TrimSpace(a.Title.String()) == "" {
			add("4.3.1", "title", "the title is empty")
		}
		for j, d := range a.Descriptions {
			if len(d.Narratives) == 0 || strings.TrimSpace(d.Narratives[0].Text) == "" {
				add("4.4.1", fmt.Sprintf("description[%d]", j+1), "the description is empty")
			}
		}
		for j, p := range a.ParticipatingOrgs {
			if p.Ref == "" && (len(p.Narratives) == 0 || strings.TrimSpace(p.Narratives[0].Text) == "") {
				add("6.10.1", fmt.Sprintf("participating-org[%d]", j+1), "needs a ref or a name")
			}
		}
		dates := map[string]string{}
		for _, d := range a.Dates {
			dates[d.Type] = d.ISODate
		}
		if dates["1"] == "" && dates["2"] == "" {
			add("6.11.1", "activity-date", "no planned or actual start date")
		}
		if dates["1"] != "" && dates["3"] != "" && dates["1"] >= dates["3"] {
			add("11.1.2", "activity-date", "the planned start %s is not before the planned end %s", dates["1"], dates["3"])
		}
		if dates["2"] != "" && dates["4"] != "" && dates["2"] >= dates["4"] {
			add("11.1.3", "activity-date", "the actual start %s is not before the actual end %s", dates["2"], dates["4"])
		}
		if dates["2"] > today {
			add("11.1.4", "activity-date[@type=2]", "the actual start %s is in the future", dates["2"])
		}
		if dates["4"] > today {
			add("11.1.5", "activity-date[@type=4]", "the actual end %s is in the future", dates["4"])
		}
		// Percentages: several sectors in one vocabulary each carry one and
		// they sum to 100; one sector carries none or 100. Countries and
		// regions together likewise.
		byVocab := map[string][]string{}
		for _, s := range a.Sectors {
			v := s.Vocabulary
			if v == "" {
				v = "1"
			}
			byVocab[v] = append(byVocab[v], s.Percentage)
			if (v == "98" || v == "99") && len(s.Narratives) == 0 {
				add("2.2.1", "sector[@vocabulary="+v+"]", "a sector of the reporting organisation's own vocabulary needs a narrative")
			}
		}
		vocabs := make([]string, 0, len(byVocab))
		for v := range byVocab {
			vocabs = append(vocabs, v)
		}
		sort.Strings(vocabs)
		for _, v := range vocabs {
			checkPercentages(add, "2.1", "sector[@vocabulary="+v+"]", byVocab[v])
		}
		var places []string
		for _, r := range a.RecipientCountries {
			places = append(places, r.Percentage)
		}
		for _, r := range a.RecipientRegions {
			places = append(places, r.Percentage)
		}
		if len(places) > 0 {
			checkPercentages(add, "3.1", "recipient-country", places)
		}
		for j, b := range a.Budgets {
			path := fmt.Sprintf("budget[%d]", j+1)
			s, err1 := time.Parse(time.DateOnly, b.PeriodStart.ISODate)
			e, err2 := time.Parse(time.DateOnly, b.PeriodEnd.ISODate)
			if err1 != nil || err2 != nil {
				add("7.5.1", path, "the period needs a start and an end date")
				continue
			}
			if !s.Before(e) {
				add("8.6.3", path, "the period start %s is not before its end %s", b.PeriodStart.ISODate, b.PeriodEnd.ISODate)
			} else if e.After(s.AddDate(1, 0, 0)) {
				add("7.5.3", path, "the period %s to %s is longer than one year", b.PeriodStart.ISODate, b.PeriodEnd.ISODate)
			}
			if b.Value.Amount < 0 {
				add("7.5.5", path, "the value is negative")
			}
		}
		for j, t := range a.Transactions {
			path := fmt.Sprintf("transaction[%d]", j+1)
			if t.Date.ISODate > today {
				add("11.2.1", path, "the transaction date %s is in the future", t.Date.ISODate)
			}
			if t.Value.ValueDate > today {
				add("11.2.2", path, "the value date %s is in the future", t.Value.ValueDate)
			}
			for _, o := range []*Org{t.ProviderOrg, t.ReceiverOrg} {
				if o != nil && o.Ref == "" && len(o.Narratives) == 0 {
					add("6.9.1", path, "a provider or receiver needs a ref or a name")
				}
			}
		}
		// Every organisation in a transaction takes part in the activity, and
		// nothing is transacted after the activity's end.
		parts := map[string]bool{}
		for _, p := range a.ParticipatingOrgs {
			parts["ref:"+p.Ref] = p.Ref != ""
			if len(p.Narratives) > 0 {
				parts["name:"+p.Narratives[0].Text] = true
			}
		}
		end := dates["4"]
		if end == "" {
			end = dates["3"]
		}
		for j, t := range a.Transactions {
			path := fmt.Sprintf("transaction[%d]", j+1)
			for _, o := range []*Org{t.ProviderOrg, t.ReceiverOrg} {
				if o == nil {
					continue
				}
				name := ""
				if len(o.Narratives) > 0 {
					name = o.Narratives[0].Text
				}
				if !parts["ref:"+o.Ref] && !parts["name:"+name] {
					add("participating-org", path, "%s appears in a transaction but not as a participating-org", strings.TrimSpace(o.Ref+" "+name))
				}
			}
			if end != "" && t.Date.ISODate > end {
				add("transaction-date", path, "the transaction date %s is after the activity's end %s", t.Date.ISODate, end)
			}
		}
		checkCodes(a, add)
		for j, r := range a.Results {
			for k, in := range r.Indicators {
				for l, p := range in.Periods {
					if p.Start.ISODate >= p.End.ISODate {
						add("8.6.1", fmt.Sprintf("result[%d]/indicator[%d]/period[%d]", j+1, k+1, l+1), "the period start %s is not before its end %s", p.Start.ISODate, p.End.ISODate)
					}
				}
			}
		}
	}
	return out
}

// checkPercentages applies the percentage rules to one group of elements.
func checkPercentages(add func(rule, path, format string, args ...any), rule, path string, ps []string) {
	var sum float64
	for _, p := range ps {
		if p == "" {
			if len(ps) > 1 {
				add(rule+".1", path, "there are %d of them and one has no percentage", len(ps))
				return
			}
			continue
		}
		v, err := strconv.ParseFloat(p, 64)
		if err != nil || v < 0 || v > 100 {
			add("12.1.1", path, "percentage %q is not between 0 and 100", p)
			return
		}
		sum += v
	}
	if (len(ps) > 1 || ps[0] != "") && (sum < 99.995 || sum > 100.005) {
		add(rule+".2", path, "the percentages sum to %g, not 100", sum)
	}
}
