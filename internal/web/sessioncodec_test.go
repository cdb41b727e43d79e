package web

import (
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/google/go-cmp/cmp"
)

func TestSessionCodec(t *testing.T) {
	deadline := time.Date(2026, 11, 27, 18, 0, 0, 123, time.UTC)
	values := map[string]any{keyUser: int64(42), keySeen: int64(-1), keyLang: "en", keyStamp: "ñandú\x00", "": ""}
	b, err := sessionCodec{}.Encode(deadline, values)
	if err != nil {
		t.Fatal(err)
	}
	gotD, gotV, err := sessionCodec{}.Decode(b)
	if err != nil || !gotD.Equal(deadline) || !cmp.Equal(gotV, values) {
		t.Fatalf("round trip: %v %v %v", gotD, gotV, err)
	}
	// A session written by scs's gob codec (before this one) still reads.
	old, err := scs.GobCodec{}.Encode(deadline, map[string]any{keyUser: int64(7)})
	if err != nil {
		t.Fatal(err)
	}
	if _, v, err := (sessionCodec{}).Decode(old); err != nil || v[keyUser] != int64(7) {
		t.Errorf("gob session: %v, %v", v, err)
	}
	// Other types are refused at once, not lost.
	if _, err := (sessionCodec{}).Encode(deadline, map[string]any{"x": 1.5}); err == nil {
		t.Error("a float64 value was accepted")
	}
	// Every truncation of a valid encoding is an error, not a panic.
	for i := len(sessionMagic); i < len(b); i++ {
		if _, _, err := (sessionCodec{}).Decode(b[:i]); err == nil {
			t.Errorf("truncated at %d of %d: no error", i, len(b))
		}
	}
}

func FuzzSessionCodec(f *testing.F) {
	b, _ := sessionCodec{}.Encode(time.Unix(0, 5), map[string]any{keyUser: int64(42), keyLang: "es"})
	f.Add(b)
	f.Add([]byte("fs1"))
	f.Add([]byte("fs1\x02\xff\xff\xff\xff\x0f"))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, v, err := sessionCodec{}.Decode(b)
		if err != nil || len(b) < 3 || string(b[:3]) != "fs1" {
			return
		}
		again, err := sessionCodec{}.Encode(d, v)
		if err != nil {
			t.Fatalf("decoded %v but cannot encode it: %v", v, err)
		}
		d2, v2, err := sessionCodec{}.Decode(again)
		if err != nil || !d2.Equal(d) || !cmp.Equal(v2, v) {
			t.Fatalf("re-encoding changed the session: %v %v → %v %v (%v)", d, v, d2, v2, err)
		}
	})
}
