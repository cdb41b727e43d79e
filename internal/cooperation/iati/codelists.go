package iati

import (
	"embed"
	"encoding/csv"
	"fmt"
	"strings"
)

//go:embed codelists/*.csv
var codelistFiles embed.FS

// Codelist is one IATI codelist as bundled (codelists/README.md): its
// name, the standard's version and the date it was copied, and its active
// codes with their English names.
type Codelist struct {
	Name, Version, Copied string
	Codes                 map[string]string
}

// Codelists are the bundled IATI 2.03 codelists by name (ActivityStatus,
// CollaborationType, Currency, DocumentCategory, OrganisationRole,
// OrganisationType, Sector, TransactionType), read once.
var Codelists = loadCodelists()

func loadCodelists() map[string]*Codelist {
	out := map[string]*Codelist{}
	entries, err := codelistFiles.ReadDir("codelists")
	if err != nil {
		panic(err)
	}
	for _, e := range entries {
		b, err := codelistFiles.ReadFile("codelists/" + e.Name())
		if err != nil {
			panic(err)
		}
		cl := &Codelist{Name: strings.TrimSuffix(e.Name(), ".csv"), Codes: map[string]string{}}
		var body []string
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(strings.TrimPrefix(line, "# "), ": "); strings.HasPrefix(line, "#") && ok {
				switch k {
				case "version":
					cl.Version = v
				case "copied":
					cl.Copied = v
				}
				continue
			}
			body = append(body, line)
		}
		recs, err := csv.NewReader(strings.NewReader(strings.Join(body, "\n"))).ReadAll()
		if err != nil {
			panic(fmt.Sprintf("codelist %s: %v", e.Name(), err))
		}
		for _, r := range recs {
			cl.Codes[r[0]] = r[1]
		}
		out[cl.Name] = cl
	}
	return out
}

// InList reports whether code is an active code of the named codelist.
func InList(list, code string) bool {
	cl := Codelists[list]
	if cl == nil {
		panic("iati: no codelist " + list)
	}
	_, ok := cl.Codes[code]
	return ok
}

// checkCodes adds a finding (rule "codelist") for every coded value of a
// that is not in its codelist.
func checkCodes(a *Activity, add func(rule, path, format string, args ...any)) {
	code := func(list, path, v string) {
		if v != "" && !InList(list, v) {
			add("codelist", path, "%q is not in the IATI %s codelist (%s)", v, list, Codelists[list].Version)
		}
	}
	code("Currency", "@default-currency", a.DefaultCurrency)
	code("OrganisationType", "reporting-org/@type", a.ReportingOrg.Type)
	code("ActivityStatus", "activity-status/@code", a.Status.Code)
	for j, sec := range a.Sectors {
		if sec.Vocabulary == "1" || sec.Vocabulary == "" { // 1 (OECD DAC 5-digit) is the default vocabulary
			code("Sector", fmt.Sprintf("sector[%d]/@code", j+1), sec.Code)
		}
	}
	if a.CollaborationType != nil {
		code("CollaborationType", "collaboration-type/@code", a.CollaborationType.Code)
	}
	for j, p := range a.ParticipatingOrgs {
		code("OrganisationType", fmt.Sprintf("participating-org[%d]/@type", j+1), p.Type)
		code("OrganisationRole", fmt.Sprintf("participating-org[%d]/@role", j+1), p.Role)
	}
	for j, t := range a.Transactions {
		code("TransactionType", fmt.Sprintf("transaction[%d]/transaction-type/@code", j+1), t.Type.Code)
		for _, o := range []*Org{t.ProviderOrg, t.ReceiverOrg} {
			if o != nil {
				code("OrganisationType", fmt.Sprintf("transaction[%d]/@type", j+1), o.Type)
			}
		}
	}
	for j, d := range a.DocumentLinks {
		for _, c := range d.Categories {
			code("DocumentCategory", fmt.Sprintf("document-link[%d]/category/@code", j+1), c.Code)
		}
	}
}
