package web_test

import "github.com/fosis/fosis/internal/scopetest"

// The portal's second part: the correction form is a citizen's own (a
// staff session is not a citizen's, and is refused or sent to the sign-in
// invitation); an evidence file is downloaded by staff who see its
// household, like a statement's code.
func init() {
	for pattern, rows := range map[string][]walkPage{
		"GET /portal/correction":                  {{}},
		"POST /portal/applications/{id}/withdraw": {{params: map[string]string{"id": "1"}}},
		"GET /portal/programme":                   {{}},
		"POST /portal/correction":                 {{form: "what=walk"}},
		"GET /portal/evidence/{code}": {{params: map[string]string{"code": "ABCD-EFGH-JKMN"},
			opt: scopetest.Options{OwnMayFail: "the walk's world has no evidence file: the code is not found for every role alike; the store answers another region's file as missing (portal.TestCorrection)"}}},
	} {
		scopeWalkPages[pattern] = rows
	}
}
