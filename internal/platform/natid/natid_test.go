package natid

import (
	"errors"
	"math/rand/v2"
	"testing"
)

func scheme(t testing.TB, s Scheme) *Scheme {
	t.Helper()
	if errs := s.Validate(); len(errs) > 0 {
		t.Fatalf("scheme %+v: %v", s, errs)
	}
	return &s
}

func TestParse(t *testing.T) {
	run := scheme(t, Scheme{Name: "RUN", Algorithm: RUN})
	luhn := scheme(t, Scheme{Name: "CIV", Algorithm: Luhn, Digits: 11, Display: "### #### ####"})
	verhoeff := scheme(t, Scheme{Name: "UID", Algorithm: Verhoeff, Digits: 4})
	mod97 := scheme(t, Scheme{Name: "NIP", Algorithm: Mod97, Digits: 3})
	pattern := scheme(t, Scheme{Name: "DNI", Algorithm: None, Digits: 8, Pattern: "[1-9][0-9]{7}"})
	for _, tc := range []struct {
		s       *Scheme
		in      string
		key     int64
		err     error
		display string
	}{
		{run, "12.345.678-5", 12345678, nil, "12.345.678-5"},
		{run, "12345678-4", 0, ErrCheck, ""},
		{run, "12x45678-5", 0, ErrSyntax, ""},
		{luhn, "7992 7398 713", 79927398713, nil, "799 2739 8713"},
		{luhn, "79927398710", 0, ErrCheck, ""},
		{luhn, "7992739871", 0, ErrSyntax, ""},
		{luhn, "7992A398713", 0, ErrSyntax, ""},
		{verhoeff, "2363", 2363, nil, "2363"},
		{verhoeff, "2364", 0, ErrCheck, ""},
		{mod97, "098", 98, nil, "098"},
		{mod97, "099", 0, ErrCheck, ""},
		{pattern, "12.345.678", 12345678, nil, "12345678"},
		{pattern, "02345678", 0, ErrSyntax, ""},
		{pattern, "", 0, ErrEmpty, ""},
	} {
		t.Run(tc.s.Name+" "+tc.in, func(t *testing.T) {
			key, err := tc.s.Parse(tc.in)
			if !errors.Is(err, tc.err) || key != tc.key {
				t.Fatalf("Parse = %d, %v; want %d, %v", key, err, tc.key, tc.err)
			}
			if err == nil {
				if got := tc.s.Format(key); got != tc.display {
					t.Errorf("Format = %q, want %q", got, tc.display)
				}
				if back, err := tc.s.Parse(tc.s.Canonical(key)); err != nil || back != key {
					t.Errorf("Parse(Canonical) = %d, %v", back, err)
				}
			}
		})
	}
}

func TestValidate(t *testing.T) {
	for _, s := range []Scheme{
		{Algorithm: RUN},
		{Name: "X", Algorithm: "crc32"},
		{Name: "X", Algorithm: Luhn, Digits: 19},
		{Name: "X", Algorithm: Luhn, Digits: 5, Display: "## ##"},
		{Name: "X", Algorithm: None, Digits: 5, Pattern: "[0-9"},
	} {
		if errs := s.Validate(); len(errs) == 0 {
			t.Errorf("%+v: accepted", s)
		}
	}
}

// TestMake: the generator's IDs are valid, distinct per serial and match
// the pattern.
func TestMake(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, s := range []*Scheme{
		scheme(t, Scheme{Name: "RUN", Algorithm: RUN}),
		scheme(t, Scheme{Name: "CIV", Algorithm: Luhn, Digits: 13, Pattern: "[1-9][0-9]{12}"}),
		scheme(t, Scheme{Name: "UID", Algorithm: Verhoeff, Digits: 12}),
		scheme(t, Scheme{Name: "NIP", Algorithm: Mod97, Digits: 11}),
		scheme(t, Scheme{Name: "DNI", Algorithm: None, Digits: 8, Pattern: "[1-9][0-9]{7}"}),
	} {
		seen := map[int64]bool{}
		for serial := int64(1); serial <= 2000; serial++ {
			key, err := s.Make(serial, rng)
			if err != nil {
				t.Fatalf("%s: Make(%d): %v", s.Name, serial, err)
			}
			if back, err := s.Parse(s.Canonical(key)); err != nil || back != key {
				t.Fatalf("%s: Make(%d) = %s, which Parse reads as %d, %v", s.Name, serial, s.Canonical(key), back, err)
			}
			if seen[key] {
				t.Fatalf("%s: %d made twice", s.Name, key)
			}
			seen[key] = true
		}
	}
}

// FuzzParse: no input makes Parse panic, and whatever it accepts is written
// back and read again to the same key.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"12.345.678-5", "7992 7398 713", "098", "", "-", "9999999999999999999999", "１２３"} {
		f.Add(s)
	}
	schemes := []*Scheme{
		scheme(f, Scheme{Name: "RUN", Algorithm: RUN}),
		scheme(f, Scheme{Name: "CIV", Algorithm: Luhn, Digits: 11}),
		scheme(f, Scheme{Name: "NIP", Algorithm: Mod97, Digits: 18}),
	}
	f.Fuzz(func(t *testing.T, in string) {
		for _, s := range schemes {
			key, err := s.Parse(in)
			if err != nil {
				continue
			}
			if back, err := s.Parse(s.Format(key)); err != nil || back != key {
				t.Fatalf("%s: %q → %d → %q → %d, %v", s.Name, in, key, s.Format(key), back, err)
			}
		}
	})
}
