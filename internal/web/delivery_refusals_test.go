package web

import (
	"regexp"
	"testing"

	"github.com/fosis/fosis/internal/delivery"
)

// TestDeliveryRefusalKeys: every refusal of the delivery slice, and every
// word it passes as an argument, is in both languages with arguments that
// fit its English; every key its source uses is in delivery.Messages.
func TestDeliveryRefusalKeys(t *testing.T) {
	c, err := loadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	for key, english := range delivery.Messages {
		checkMessage(t, c, key, english)
	}
	for _, key := range delivery.TermKeys() {
		checkMessage(t, c, key, "")
	}
	keyRe := regexp.MustCompile(`"(delivery\.err\.[a-z0-9_.]+)"`)
	found := 0
	for name, b := range goSources(t, "../delivery") {
		for _, m := range keyRe.FindAllStringSubmatch(string(b), -1) {
			found++
			if _, ok := delivery.Messages[m[1]]; !ok {
				t.Errorf("%s uses %q, which is not in delivery.Messages", name, m[1])
			}
		}
	}
	if found < 50 {
		t.Fatalf("found only %d keys in the source", found)
	}
}
