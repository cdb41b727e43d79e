package rut

import (
	"errors"
	"testing"
)

func TestParseValid(t *testing.T) {
	tests := []struct {
		in   string
		want int64
	}{
		{"12.345.678-5", 12345678},
		{"12345678-5", 12345678},
		{"123456785", 12345678},
		{"12.667.869-K", 12667869},
		{"12.667.869-k", 12667869},
		{"12667869k", 12667869},
		{"9.868.503-0", 9868503},
		{"6.265.837-1", 6265837},
		{"14.569.484-1", 14569484},
		{"16.365.637-K", 16365637},
		{"11.111.111-1", 11111111},
		{"20.000.003-K", 20000003},
		{"20.000.008-0", 20000008},
		{" 20000008-0 ", 20000008},
		{"1-9", 1},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("Parse(%q) = %d, want %d", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseInvalid(t *testing.T) {
	tests := []struct {
		in   string
		want error
	}{
		{"", ErrEmpty},
		{"   ", ErrEmpty},
		{"12.345.678-4", ErrCheckDigit},
		{"12.667.869-0", ErrCheckDigit},
		{"123456784", ErrCheckDigit},
		{"12.345.678-", ErrSyntax},
		{"12.345.678-55", ErrSyntax},
		{"12.34.5678-5", ErrSyntax},
		{"1234.5678-5", ErrSyntax},
		{".345.678-5", ErrSyntax},
		{"12,345,678-5", ErrSyntax},
		{"abc-5", ErrSyntax},
		{"12345678-X", ErrSyntax},
		{"-5", ErrSyntax},
		{"5", ErrSyntax},
		{"0-0", ErrRange},
		{"123456789-2", ErrRange},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := Parse(tt.in)
			if !errors.Is(err, tt.want) {
				t.Errorf("Parse(%q) error = %v, want %v", tt.in, err, tt.want)
			}
		})
	}
}

func TestFormat(t *testing.T) {
	if got := Format(12667869); got != "12667869-K" {
		t.Errorf("Format = %q", got)
	}
	for body, want := range map[int64]string{12345678: "12.345.678-5", 9868503: "9.868.503-0", 1: "1-9", 123: "123-6", 1234: "1.234-3"} {
		if got := FormatDots(body); got != want {
			t.Errorf("FormatDots(%d) = %q, want %q", body, got, want)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	for body := int64(1); body < MaxBody; body = body*7 + 3 {
		for _, s := range []string{Format(body), FormatDots(body)} {
			got, err := Parse(s)
			if err != nil || got != body {
				t.Fatalf("Parse(%q) = %d, %v; want %d", s, got, err, body)
			}
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"12.345.678-5", "12667869k", "1-9", "", "..-", "9.868.503-0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		body, err := Parse(s)
		if err != nil {
			return
		}
		if body <= 0 || body > MaxBody {
			t.Fatalf("Parse(%q) accepted out-of-range body %d", s, body)
		}
		// Whatever was accepted must round-trip through both printed forms.
		for _, out := range []string{Format(body), FormatDots(body)} {
			again, err := Parse(out)
			if err != nil || again != body {
				t.Fatalf("Parse(%q)=%d accepted, but Parse(%q) = %d, %v", s, body, out, again, err)
			}
		}
	})
}
