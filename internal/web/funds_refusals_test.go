package web

import (
	"testing"

	"github.com/fosis/fosis/internal/funds"
)

// TestFundsRefusalKeys: every refusal of the funds slice, and every word it
// passes as an argument, has a key in both languages with arguments that fit
// its English format.
func TestFundsRefusalKeys(t *testing.T) {
	c, err := loadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	for key, english := range funds.Messages {
		checkMessage(t, c, key, english)
	}
	for _, key := range funds.TermKeys() {
		checkMessage(t, c, key, "")
	}
}
