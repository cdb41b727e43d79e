package web

import (
	"testing"

	"github.com/fosis/fosis/internal/registry"
)

// TestTerritoryRefusalKeys: every refusal about a database's territory has
// a key in both languages with arguments that fit its English format, and
// the English in the catalog is the slice's.
func TestTerritoryRefusalKeys(t *testing.T) {
	c, err := loadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	for key, english := range registry.TerritoryMessages {
		checkMessage(t, c, key, english)
		if got := c["en"][key]; got != english {
			t.Errorf("en %q = %q, the slice says %q", key, got, english)
		}
	}
}
