package web_test

import "github.com/fosis/fosis/internal/scopetest"

// The directory is public information (institutions, services, contacts
// of each commune and region, never a household): every role with cases reads all of
// it, so its list names other regions' communes. Editing is by region: an
// officer's attempt on another region's service answers like a missing one.
var directoryPublic = scopetest.Options{Allow: []string{scopetest.CatCommune, scopetest.CatCommuneCode, scopetest.CatRegion}}

// The pages of the services directory, the referrals and the plan form
// (internal/web/directory.go), in the scope walk (scopeWalkPages).
func init() {
	for pattern, rows := range map[string][]walkPage{
		"GET /services":           {{queries: []string{"?commune={commune:0}&dimension=salud", "?all=1", "?dimension=magia"}, opt: directoryPublic}},
		"GET /services/new":       {{queries: []string{"?commune={commune}"}}},
		"GET /services/{id}/edit": {{params: map[string]string{"id": "{service}"}}},
		"GET /cases/{id}/referrals/new": {{params: map[string]string{"id": "{case}"}, queries: []string{"?dimension=salud&condition=SA1"}},
			{params: map[string]string{"id": "{case:0}"}, queries: []string{"?anywhere=1"}, opt: directoryPublic}},
		"GET /cases/{id}/plan": {{params: map[string]string{"id": "{case}"}, queries: []string{"?kind=business", "?saved=1&decided=approved"}}},
		"POST /services": {{form: "commune={commune}&institution=Walk&service=Walk&dimensions=salud&active=1",
			opt: scopetest.Options{Invalid: "another region's commune is refused as one that does not exist: the form says the commune is not of the officer's territory"}}},
		"POST /services/import": {{files: map[string]string{"file": "commune,institution,service,dimensions,requirements,contact,active\n{commune},Walk,Walk,salud,,,1\n"},
			opt: scopetest.Options{Allow: directoryPublic.Allow, Invalid: "an import is all or nothing: a row of another region's commune makes the file wrong, as one of a commune that does not exist (the refusal is shown on the directory's page)"}}},
		"POST /services/{id}":          {{params: map[string]string{"id": "{service}"}, form: "commune={commune:0}&institution=Walk&service=Walk&active=1"}},
		"POST /cases/{id}/referrals":   {{params: map[string]string{"id": "{case}"}, form: "service_id={service:0}&condition=SA1&reason=walk"}},
		"POST /referrals/{id}/move":    {{params: map[string]string{"id": "{referral}"}, form: "from=sent&to=attended"}},
		"POST /referrals/{id}/satisfy": {{params: map[string]string{"id": "{referral}"}}},
		"POST /cases/{id}/plan":        {{params: map[string]string{"id": "{case}"}, form: "kind=family&goal=walk&actions=1&a_action_0=walk&a_who_0=walk&a_by_0=2027-01-15&budget=0"}},
	} {
		scopeWalkPages[pattern] = rows
	}
}
