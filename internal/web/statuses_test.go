package web

import (
	"path/filepath"
	"regexp"
	"testing"
)

// handPicked finds an error status written by hand: statuses of refusals
// come from fosis.HTTPStatus only (CONTRIBUTING, issue 12 §1), so that a
// code means the same status on every page and in the API.
var handPicked = regexp.MustCompile(`http\.Status(BadRequest|Unauthorized|Forbidden|NotFound|Conflict|TooManyRequests|` +
	`UnprocessableEntity|ServiceUnavailable|InternalServerError|RequestEntityTooLarge)\b`)

// handPickedLeft are the hand-picked statuses still left, by file, in
// areas other engineers had open when this test came (the lead's sweep
// finishes them). 413 has no error code yet. The count may only go down.
var handPickedLeft = map[string]int{
	"web/cooperation.go":          1,
	"web/cooperation_partners.go": 1,
	"web/imports.go":              3, // 413, and two form refusals
	"web/knowledge.go":            3,
	"web/whatif.go":               3,
}

// TestStatusesFromHTTPStatus: no page or API handler maps an error to a
// status of its own: every error status is fosis.HTTPStatus of a code.
func TestStatusesFromHTTPStatus(t *testing.T) {
	for _, dir := range []string{".", "../api"} {
		for path, src := range goSources(t, dir) {
			name := filepath.Base(filepath.Dir(mustAbs(t, path))) + "/" + filepath.Base(path)
			n := len(handPicked.FindAll(src, -1))
			if n > handPickedLeft[name] {
				t.Errorf("%s writes %d error statuses by hand (http.Status…), %d allowed: use fosis.HTTPStatus(code)", name, n, handPickedLeft[name])
			}
		}
	}
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
