package programs

import (
	"testing"

	"github.com/fosis/fosis"
)

func TestPageOf(t *testing.T) {
	// A ranked list whose order is not the ids'.
	all := []Application{{ID: 7}, {ID: 3}, {ID: 9}, {ID: 1}, {ID: 5}}
	var walked []int64
	after := int64(0)
	for pages := 0; pages < 10; pages++ {
		items, next, err := PageOf(all, after, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range items {
			walked = append(walked, a.ID)
		}
		if next == 0 {
			break
		}
		after = next
	}
	if len(walked) != len(all) {
		t.Fatalf("walked %v", walked)
	}
	for i := range all {
		if walked[i] != all[i].ID {
			t.Fatalf("walked %v, want the list's order", walked)
		}
	}
	if items, next, err := PageOf(all, 0, 10); err != nil || len(items) != 5 || next != 0 {
		t.Errorf("one page: %d items, next %d, %v", len(items), next, err)
	}
	if items, next, err := PageOf(nil, 0, 10); err != nil || len(items) != 0 || next != 0 {
		t.Errorf("empty list: %d items, next %d, %v", len(items), next, err)
	}
	if _, _, err := PageOf(all, 42, 2); fosis.ErrorCode(err) != fosis.EINVALID {
		t.Errorf("unknown cursor: %v", err)
	}
}
