package auth

import (
	"context"
	"testing"
	"time"
)

// TestSessions: a session is found until its expiry by the application's
// clock (one query text on both engines), its account comes with it, and
// DeleteExpired removes only the ended ones.
func TestSessions(t *testing.T) {
	s, clk, d := newStore(t)
	ctx := context.Background()
	u := mustCreate(t, s, NewUser{Username: "ana", Role: RoleAnalyst})
	ss := NewSessions(d, clk.now)
	if err := ss.Commit(ctx, "short", []byte("a"), clk.now().Add(time.Minute), u.ID); err != nil {
		t.Fatal(err)
	}
	if err := ss.Commit(ctx, "long", []byte("b"), clk.now().Add(time.Hour), 0); err != nil {
		t.Fatal(err)
	}
	if err := ss.Commit(ctx, "long", []byte("c"), clk.now().Add(2*time.Hour), 0); err != nil { // written again
		t.Fatal(err)
	}
	if data, found, err := ss.Find(ctx, "long"); err != nil || !found || string(data) != "c" {
		t.Errorf("find long: %q %v %v", data, found, err)
	}
	if data, who, found, err := s.SessionUser(ctx, "short"); err != nil || !found || string(data) != "a" || who == nil || who.ID != u.ID {
		t.Errorf("session with its account: %q %+v %v %v", data, who, found, err)
	}
	clk.advance(2 * time.Minute)
	if _, found, err := ss.Find(ctx, "short"); err != nil || found {
		t.Errorf("an expired session is found: %v %v", found, err)
	}
	if _, _, found, err := s.SessionUser(ctx, "short"); err != nil || found {
		t.Errorf("an expired session is found with its account: %v %v", found, err)
	}
	if err := ss.DeleteExpired(ctx); err != nil {
		t.Fatal(err)
	}
	var n int
	d.QueryRowContext(ctx, `SELECT count(*) FROM sessions`).Scan(&n)
	if n != 1 {
		t.Errorf("%d sessions after deleting the expired ones, want 1", n)
	}
	if err := ss.Delete(ctx, "long"); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := ss.Find(ctx, "long"); found {
		t.Error("a deleted session is found")
	}
}
