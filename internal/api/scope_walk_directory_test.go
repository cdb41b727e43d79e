package api_test

import "github.com/fosis/fosis/internal/scopetest"

// directoryPublic: the services directory is public information (an
// institution's service in a commune, never a household), read whole by
// every role with cases; editing it is by region.
var directoryPublic = scopetest.Options{Allow: []string{scopetest.CatCommune, scopetest.CatCommuneCode, scopetest.CatRegion},
	Public: "the directory lists every commune's public services (institutions, contacts), which every role with cases reads"}

// The routes of the services directory and the referrals
// (internal/api/directory.go), in the scope walk (scopeWalkEndpoints).
func init() {
	for pattern, rows := range map[string][]walkEndpoint{
		"GET /api/v1/services":  {{queries: []string{"?commune={commune:0}&dimension=salud", "?all=true&limit=1000"}, opt: directoryPublic}},
		"GET /api/v1/referrals": {{queries: []string{"?case={case}"}, opt: scopetest.Options{OwnMayFail: "without ?case= there is no list to give (400)"}}},
		"POST /api/v1/services": {{body: `{"commune": "{commune}", "institution": "Walk", "service": "Walk", "dimensions": ["salud"]}`,
			opt: scopetest.Options{Invalid: "another region's commune is refused as one that does not exist (the commune is not of the officer's territory)"}}},
		"POST /api/v1/services/{id}": {{params: map[string]string{"id": "{service}"}, body: `{"commune": "{commune:0}", "institution": "Walk", "service": "Walk"}`}},
		"POST /api/v1/services/import": {{body: "commune,institution,service,dimensions,requirements,contact,active\n{commune},Walk,Walk,salud,,,1\n", contentType: "text/csv",
			opt: scopetest.Options{Invalid: "an import is all or nothing: a row of another region's commune makes the file wrong, as one of a commune that does not exist"}}},
		"POST /api/v1/referrals":                  {{body: `{"case_id": {case}, "service_id": {service:0}, "condition": "SA1"}`}},
		"POST /api/v1/referrals/{id}/transitions": {{params: map[string]string{"id": "{referral}"}, body: `{"from": "sent", "to": "attended"}`}},
		"POST /api/v1/referrals/{id}/satisfy":     {{params: map[string]string{"id": "{referral}"}}},
	} {
		scopeWalkEndpoints[pattern] = rows
	}
}
