package registry

import (
	"testing"
	"time"
)

func TestDayNumberRoundTrip(t *testing.T) {
	for d := time.Date(1890, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() < 2101; d = d.AddDate(0, 0, 13) {
		n := DayNumber(d)
		if want := int32(d.Unix() / 86400); n != want {
			t.Fatalf("DayNumber(%s) = %d, want %d", d.Format(time.DateOnly), n, want)
		}
		if got := DayTime(n); !got.Equal(d) {
			t.Fatalf("DayTime(%d) = %s, want %s", n, got, d)
		}
	}
}

func TestAgeYears(t *testing.T) {
	day := func(s string) int32 {
		tm, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return DayNumber(tm)
	}
	tests := []struct {
		born, asOf string
		want       int
	}{
		{"2000-02-29", "2001-02-28", 0},
		{"2000-02-29", "2001-03-01", 1},
		{"1990-06-15", "2026-06-14", 35},
		{"1990-06-15", "2026-06-15", 36},
		{"2026-01-01", "2025-01-01", 0},
	}
	for _, tt := range tests {
		if got := AgeYears(day(tt.born), day(tt.asOf)); got != tt.want {
			t.Errorf("AgeYears(%s, %s) = %d, want %d", tt.born, tt.asOf, got, tt.want)
		}
	}
}
