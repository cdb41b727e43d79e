package targeting

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// phrases are the words of Summary in one language.
type phrases struct {
	thousands, decimal string
	scored             string // id, date, name, model id, version
	income             string // members, counted income
	excluded           string // excluded income
	equivalent         string // divisor, members, exponent, equivalent income
	needs              string // needs index, reasons, corrected income
	noNeeds            string
	pmt                string // id, date, name, model id, version, value, intercept
	moved              string // list of terms
	rank               string // percentile, households, bracket
	rankNational       string // percentile, bracket (the count withheld: Households 0)
	poorest5           string
	upgrade            string // bracket, reasons
	and                string
	features           map[string]string
	needsReasons       map[string][2]string // singular, plural
	upgradeReasons     map[string]string    // amount, threshold
	isaprePerCapita    string               // amount, threshold (pmt models)
}

var languages = map[string]*phrases{
	"es": {
		thousands: ".", decimal: ",",
		scored:       "El hogar %s fue calificado el %s con el modelo «%s» (%s v%d).",
		income:       " Sus %d integrantes suman un ingreso mensual considerado de %s",
		excluded:     ", sin contar %s de ingresos laborales de estudiantes que trabajan",
		equivalent:   ". Dividido por %s (%d integrantes elevado a %s) da un ingreso equivalente de %s;",
		needs:        " el índice de necesidades es %s (%s), por lo que el ingreso equivalente corregido es %s.",
		noNeeds:      "ningún integrante suma necesidades",
		pmt:          "El hogar %s fue calificado el %s con el modelo «%s» (%s v%d) y obtuvo %s puntos: una base de %s más sus características ponderadas.",
		moved:        " Lo que más movió su puntaje: %s.",
		rank:         " Con ello queda en el percentil %s de los %s hogares calificados, en el tramo del %d%%",
		rankNational: " Con ello queda en el percentil %s del país, en el tramo del %d%%",
		poorest5:     ", y entre el 5% más vulnerable",
		upgrade:      " El test de medios lo ubica al menos en el tramo del %d%% porque %s.",
		and:          "; y ",
		features: map[string]string{
			"members": "integrantes", "minors": "menores de 18 años", "older_adults": "adultos mayores",
			"share_minors": "proporción de menores", "share_older_adults": "proporción de adultos mayores",
			"head_schooling_years": "años de escolaridad de la jefatura", "mean_adult_schooling_years": "escolaridad media de los adultos",
			"employed_adults": "adultos ocupados", "share_adults_employed": "proporción de adultos ocupados",
			"rooms_per_person": "piezas por persona", "log_per_capita_income": "ingreso per cápita (logaritmo)",
			"members_with_disability": "integrantes con discapacidad", "members_with_dependency": "integrantes con dependencia",
			"pregnant_members": "integrantes embarazadas", "head_female": "jefatura femenina", "head_age": "edad de la jefatura",
			"zone": "zona", "tenure": "tenencia de la vivienda", "water": "agua", "sanitation": "saneamiento",
			"floor": "piso", "walls": "muros", "roof": "techo", "region": "región",
		},
		needsReasons: map[string][2]string{
			"minor": {"menor de edad", "menores de edad"}, "older_adult": {"adulto mayor", "adultos mayores"},
			"disability_moderate": {"persona con discapacidad moderada", "personas con discapacidad moderada"},
			"disability_severe":   {"persona con discapacidad severa", "personas con discapacidad severa"},
			"dependency_moderate": {"persona con dependencia moderada", "personas con dependencia moderada"},
			"dependency_severe":   {"persona con dependencia severa", "personas con dependencia severa"},
		},
		upgradeReasons: map[string]string{
			"vehicle":     "el avalúo fiscal de sus vehículos (%s) alcanza el umbral de %s",
			"property":    "el avalúo fiscal de sus bienes raíces (%s) alcanza el umbral de %s",
			"isapre":      "un integrante está en una isapre y el ingreso corregido (%s) alcanza el umbral de %s",
			"school_fees": "sus mensualidades escolares (%s) alcanzan el umbral de %s",
		},
		isaprePerCapita: "un integrante está en una isapre y el ingreso per cápita (%s) alcanza el umbral de %s",
	},
	"en": {
		thousands: ",", decimal: ".",
		scored:       "Household %s was scored on %s with model “%s” (%s v%d).",
		income:       " Its %d members have a counted monthly income of %s",
		excluded:     ", leaving out %s of working students' wages",
		equivalent:   ". Divided by %s (%d members to the power %s) that is an equivalent income of %s;",
		needs:        " the needs index is %s (%s), so the corrected equivalent income is %s.",
		noNeeds:      "no member adds needs",
		pmt:          "Household %s was scored on %s with model “%s” (%s v%d) at %s points: a base of %s plus its weighted characteristics.",
		moved:        " What moved its score most: %s.",
		rank:         " That places it at percentile %s of the %s households scored, in the %d%% bracket",
		rankNational: " That places it at national percentile %s, in the %d%% bracket",
		poorest5:     ", and among the poorest 5%",
		upgrade:      " The means test places it at least in the %d%% bracket because %s.",
		and:          "; and ",
		features: map[string]string{
			"members": "members", "minors": "minors under 18", "older_adults": "older adults",
			"share_minors": "share of minors", "share_older_adults": "share of older adults",
			"head_schooling_years": "head's years of schooling", "mean_adult_schooling_years": "adults' mean schooling",
			"employed_adults": "employed adults", "share_adults_employed": "share of adults employed",
			"rooms_per_person": "rooms per person", "log_per_capita_income": "per-capita income (log)",
			"members_with_disability": "members with a disability", "members_with_dependency": "members with dependency",
			"pregnant_members": "pregnant members", "head_female": "female head", "head_age": "head's age",
			"zone": "zone", "tenure": "tenure", "water": "water", "sanitation": "sanitation",
			"floor": "floor", "walls": "walls", "roof": "roof", "region": "region",
		},
		needsReasons: map[string][2]string{
			"minor": {"minor", "minors"}, "older_adult": {"older adult", "older adults"},
			"disability_moderate": {"person with a moderate disability", "people with a moderate disability"},
			"disability_severe":   {"person with a severe disability", "people with a severe disability"},
			"dependency_moderate": {"person with moderate dependency", "people with moderate dependency"},
			"dependency_severe":   {"person with severe dependency", "people with severe dependency"},
		},
		upgradeReasons: map[string]string{
			"vehicle":     "its vehicles' fiscal value (%s) reaches the %s threshold",
			"property":    "its real estate's fiscal value (%s) reaches the %s threshold",
			"isapre":      "a member has an isapre health plan and the corrected income (%s) reaches the %s threshold",
			"school_fees": "its monthly school fees (%s) reach the %s threshold",
		},
		isaprePerCapita: "a member has an isapre health plan and the per-capita income (%s) reaches the %s threshold",
	},
}

// needsOrder fixes the order in which needs reasons are listed.
var needsOrder = []string{"minor", "older_adult", "disability_moderate", "disability_severe", "dependency_moderate", "dependency_severe"}

// Summary returns a one-paragraph plain explanation in lang: "es" for
// Spanish, anything else for English. Enum levels (e.g. "rural") appear as
// the registry's words.
func (e Explanation) Summary(lang string) string {
	p := languages["en"]
	if lang == "es" {
		p = languages["es"]
	}
	var b strings.Builder
	id := e.HouseholdID
	if id == "" {
		id = "#" + strconv.FormatInt(e.Key, 10)
	}
	switch {
	case e.Income != nil:
		fmt.Fprintf(&b, p.scored, id, e.AsOf, e.ModelName, e.ModelID, e.ModelVersion)
		p.incomeSummary(&b, e.Income)
	case e.PMT != nil:
		fmt.Fprintf(&b, p.pmt, id, e.AsOf, e.ModelName, e.ModelID, e.ModelVersion,
			p.number(e.Value, 1), p.number(e.PMT.Intercept, 1))
		p.pmtSummary(&b, e.PMT)
	}
	if r := e.Rank; r != nil {
		if r.Households > 0 {
			fmt.Fprintf(&b, p.rank, p.number(r.Percentile, 1), p.number(float64(r.Households), 0), r.RankedBracket)
		} else {
			fmt.Fprintf(&b, p.rankNational, p.number(r.Percentile, 1), r.RankedBracket)
		}
		if r.Poorest5 {
			b.WriteString(p.poorest5)
		}
		b.WriteString(".")
	}
	if len(e.Upgrades) > 0 {
		reasons := make([]string, len(e.Upgrades))
		for k, u := range e.Upgrades {
			format := p.upgradeReasons[u.Reason]
			if u.Reason == "isapre" && e.Kind == KindPMT {
				format = p.isaprePerCapita
			}
			reasons[k] = fmt.Sprintf(format, p.money(u.Amount), p.money(float64(u.Threshold)))
		}
		fmt.Fprintf(&b, p.upgrade, e.UpgradeTo, strings.Join(reasons, p.and))
	}
	return b.String()
}

func (p *phrases) incomeSummary(b *strings.Builder, in *IncomeExplanation) {
	fmt.Fprintf(b, p.income, in.Size, p.money(in.CountedIncome))
	if in.ExcludedIncome > 0 {
		fmt.Fprintf(b, p.excluded, p.money(in.ExcludedIncome))
	}
	fmt.Fprintf(b, p.equivalent, p.number(in.EquivalenceDivisor, 2), in.Size,
		p.number(in.EquivalenceExponent, 2), p.money(in.EquivalentIncome))
	counts := map[string]int{}
	for _, m := range in.Members {
		for _, t := range m.Needs {
			counts[t.Reason]++
		}
	}
	var reasons []string
	for _, r := range needsOrder {
		if n := counts[r]; n == 1 {
			reasons = append(reasons, "1 "+p.needsReasons[r][0])
		} else if n > 1 {
			reasons = append(reasons, strconv.Itoa(n)+" "+p.needsReasons[r][1])
		}
	}
	list := p.noNeeds
	if len(reasons) > 0 {
		list = strings.Join(reasons, ", ")
	}
	fmt.Fprintf(b, p.needs, p.number(in.NeedsIndex, 2), list, p.money(in.CorrectedIncome))
}

// pmtSummary names the three terms that moved the score most.
func (p *phrases) pmtSummary(b *strings.Builder, pe *PMTExplanation) {
	var terms []string
	for _, t := range pe.Terms {
		if len(terms) == 3 || t.Contribution == 0 {
			break // terms are sorted by absolute contribution
		}
		value := t.Level
		if value == "" {
			value = p.number(t.Value, 2)
		}
		terms = append(terms, fmt.Sprintf("%s %s (%s)", p.features[t.Feature], value, p.signed(t.Contribution)))
	}
	if len(terms) > 0 {
		fmt.Fprintf(b, p.moved, strings.Join(terms, ", "))
	}
}

// number formats v with the given decimals (trailing zeros dropped) and the
// language's separators.
func (p *phrases) number(v float64, decimals int) string {
	s := strconv.FormatFloat(math.Abs(v), 'f', decimals, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	whole, frac, _ := strings.Cut(s, ".")
	var g strings.Builder
	for k, r := range whole {
		if k > 0 && (len(whole)-k)%3 == 0 {
			g.WriteString(p.thousands)
		}
		g.WriteRune(r)
	}
	if frac != "" {
		g.WriteString(p.decimal + frac)
	}
	if v < 0 && g.String() != "0" {
		return "-" + g.String()
	}
	return g.String()
}

func (p *phrases) money(v float64) string {
	s := p.number(math.Round(v), 0)
	if strings.HasPrefix(s, "-") {
		return "-$" + s[1:]
	}
	return "$" + s
}

func (p *phrases) signed(v float64) string {
	if v > 0 {
		return "+" + p.number(v, 1)
	}
	return p.number(v, 1)
}
