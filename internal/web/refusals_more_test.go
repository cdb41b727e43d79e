package web

import (
	"regexp"

	"github.com/fosis/fosis/internal/cooperation"
	"strconv"
	"testing"
)

// TestModelAndHeaderRefusalKeys: the scoring model's validation
// (targeting.err.*) and the CSV header's refusals (csvin.err.*) have a key
// in both languages with arguments that fit their English (issue 20: they
// reached Spanish pages in English).
func TestModelAndHeaderRefusalKeys(t *testing.T) {
	c, err := loadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	keyRe := regexp.MustCompile("\"((?:targeting|csvin|whatif|knowledge|modelform)\\.err\\.[a-z0-9_]+)\"(?:,\\s*(\"(?:[^\"\\\\]|\\\\.)*\"|`[^`]*`))?")
	found := 0
	for _, dir := range []string{"../targeting", "../platform/csvin", "../knowledge", "."} {
		for name, b := range goSources(t, dir) {
			for _, m := range keyRe.FindAllStringSubmatch(string(b), -1) {
				found++
				english := m[2]
				switch {
				case english == "":
				case english[0] == '`':
					english = english[1 : len(english)-1]
				default:
					if english, err = strconv.Unquote(english); err != nil {
						t.Fatalf("%s: %s: %v", name, m[2], err)
					}
				}
				checkMessage(t, c, m[1], english)
			}
		}
	}
	if found < 25 {
		t.Fatalf("found only %d keys: is the pattern still right?", found)
	}
	for _, key := range cooperation.NoteKeys() {
		checkMessage(t, c, key, "")
	}
	// csvin's keys are set in HeaderError.Refusal with these arguments.
	for key, english := range map[string]string{"csvin.err.empty": "%s: the file is empty; it needs the columns %s",
		"csvin.err.unreadable": "%s: the header cannot be read: %s", "csvin.err.missing_repeated": "%s: missing %s; repeated %s",
		"csvin.err.missing": "%s: missing %s", "csvin.err.repeated": "%s: repeated %s"} {
		checkMessage(t, c, key, english)
	}
}
