package registry_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/registry"
)

// TestSharedFrame: the shared frame is loaded once while the registry does
// not change, whoever asks and however many at once; it holds what
// LoadFrame reads; an import and an approved change request each move the
// revision, and the next call sees the new data; callers without national
// reach are refused with the frame in memory.
func TestSharedFrame(t *testing.T) {
	s, _ := imported(t)
	rev0, err := s.Revision(sysCtx)
	if err != nil {
		t.Fatal(err)
	}
	if rev0 < 1 {
		t.Errorf("revision after an import = %d, want ≥ 1", rev0)
	}
	var wg sync.WaitGroup
	frames := make([]*registry.Frame, 8)
	for i := range frames {
		wg.Go(func() {
			f, err := s.SharedFrame(sysCtx, false)
			if err != nil {
				t.Error(err)
			}
			frames[i] = f
		})
	}
	wg.Wait()
	for i, f := range frames {
		if f != frames[0] {
			t.Errorf("caller %d got another frame", i)
		}
	}
	if n := s.FramesLoaded(); n != 1 {
		t.Errorf("8 concurrent callers loaded %d frames, want 1", n)
	}
	own, err := s.LoadFrame(sysCtx, false)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(own, frames[0], cmpopts.IgnoreUnexported(registry.Frame{})); diff != "" {
		t.Errorf("shared frame differs from LoadFrame's (-own +shared):\n%s", diff)
	}
	// A caller asking for ids gets a frame with them, which then serves all.
	withIDs, err := s.SharedFrame(sysCtx, true)
	if err != nil || !slices.Equal(withIDs.ExtID, []string{"H1", "H2"}) {
		t.Fatalf("frame with ids: %v, %v", withIDs, err)
	}
	if again, _ := s.SharedFrame(sysCtx, false); again != withIDs || s.FramesLoaded() != 2 {
		t.Errorf("after loading ids: same frame %v, loads %d; want the same, 2", again == withIDs, s.FramesLoaded())
	}

	// Out of reach, with the frame warm: refused as LoadFrame refuses.
	rm := auth.WithPrincipal(context.Background(), &auth.Principal{Username: "rm", Role: auth.RoleRegional, RegionCode: "13"})
	if _, err := s.SharedFrame(rm, false); fosis.ErrorCode(err) != fosis.EFORBIDDEN {
		t.Errorf("regional officer, warm frame: %v, want forbidden", err)
	}
	if _, err := s.SharedFrame(context.Background(), false); fosis.ErrorCode(err) != fosis.EUNAUTHORIZED {
		t.Errorf("no principal, warm frame: %v, want unauthorized", err)
	}

	// An approved change request: the revision moves, the next frame has
	// the new rooms.
	r, err := s.SubmitChange(asUser(rosa), "H1", h1Rooms, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Decide(asUser(raul), r.ID, registry.Approve, "", ""); err != nil {
		t.Fatal(err)
	}
	rev1, _ := s.Revision(sysCtx)
	if rev1 <= rev0 {
		t.Errorf("revision after an approval = %d, want > %d", rev1, rev0)
	}
	f1, err := s.SharedFrame(sysCtx, true)
	if err != nil {
		t.Fatal(err)
	}
	if f1 == withIDs || f1.Rooms[slices.Index(f1.ExtID, "H1")] != 4 {
		t.Errorf("after the approval: a new frame %v, rooms of H1 %d; want true, 4", f1 != withIDs, f1.Rooms[slices.Index(f1.ExtID, "H1")])
	}
	if withIDs.Rooms[0] != 3 {
		t.Errorf("the old frame changed under its holder: rooms %d", withIDs.Rooms[0])
	}
	// A rejected request writes no household: the frame stays.
	r, err = s.SubmitChange(asUser(rosa), "H1", registry.ChangeInput{Kind: registry.KindUpdate, Reason: "another room",
		Changes: registry.ChangeSet{Household: []registry.FieldChange{{Field: "rooms", To: "5"}}}}, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Decide(asUser(raul), r.ID, registry.Reject, "no", ""); err != nil {
		t.Fatal(err)
	}
	if f, _ := s.SharedFrame(sysCtx, true); f != f1 {
		t.Error("a rejected change request reloaded the frame")
	}

	// An import that adds a household: the next frame counts it.
	if _, err := s.Import(sysCtx, writeExtract(t, hHeader+hRowH1+hRowH2+"H3"+hRowH2[2:], pHeader+pRowA+pRowB+pRowC+
		"11.111.111-1,H3,head,F,1990-01-01,12,0,1,300000,0,0,fonasa_b,none,none,0,0,Ana,Rojas,Vera\n")); err != nil {
		t.Fatal(err)
	}
	if rev2, _ := s.Revision(sysCtx); rev2 <= rev1 {
		t.Errorf("revision after a second import = %d, want > %d", rev2, rev1)
	}
	f2, err := s.SharedFrame(sysCtx, false)
	if err != nil {
		t.Fatal(err)
	}
	if f2.Len() != 3 || len(f2.BirthDay) != 4 {
		t.Errorf("after importing H3: %d households, %d persons; want 3, 4", f2.Len(), len(f2.BirthDay))
	}
	if f1.Len() != 2 {
		t.Errorf("the frame before the import changed: %d households", f1.Len())
	}
}

// TestFrameDerived: a value derived from a shared frame is computed once
// for it, a failure is not kept, and a frame of one's own keeps nothing.
func TestFrameDerived(t *testing.T) {
	s, _ := imported(t)
	f, err := s.SharedFrame(sysCtx, false)
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	build := func(context.Context) (any, error) { calls++; return calls, nil }
	for range 3 {
		if v, err := f.DerivedFromKeys(sysCtx, "k", build); err != nil || v != 1 {
			t.Errorf("derived = %v, %v; want 1", v, err)
		}
	}
	boom := errors.New("boom")
	if _, err := f.DerivedFromKeys(sysCtx, "bad", func(context.Context) (any, error) { return nil, boom }); err != boom {
		t.Errorf("failed build: %v", err)
	}
	if v, err := f.DerivedFromKeys(sysCtx, "bad", build); err != nil || v != 2 {
		t.Errorf("after a failure the value is built again: %v, %v; want 2", v, err)
	}
	own, _ := s.LoadFrame(sysCtx, false)
	own.DerivedFromKeys(sysCtx, "k", build)
	if v, _ := own.DerivedFromKeys(sysCtx, "k", build); v != 4 {
		t.Errorf("a frame of one's own keeps nothing: %v, want 4", v)
	}
}
