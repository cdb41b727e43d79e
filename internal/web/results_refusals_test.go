package web

import (
	"testing"

	"github.com/fosis/fosis/internal/results"
)

// TestResultsRefusalKeys: every refusal of the results slice has a key in
// both languages with arguments that fit its English format, and every
// status and unit the indicators page names has its word.
func TestResultsRefusalKeys(t *testing.T) {
	c, err := loadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	for key, english := range results.Messages {
		checkMessage(t, c, key, english)
	}
	for _, s := range []string{results.StatusOnTrack, results.StatusOffTrack, results.StatusNoTarget, results.StatusNoData} {
		checkMessage(t, c, "results.status."+s, "")
	}
	for _, u := range results.Units {
		checkMessage(t, c, "results.unit."+u, "")
	}
	for _, st := range results.Stages {
		checkMessage(t, c, "results.stage."+st, "")
	}
}
