package csvin

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func readAll(t *testing.T, text string, want []string) ([][]string, []string, error) {
	t.Helper()
	r, err := NewReader(strings.NewReader(text), "f.csv", want)
	if err != nil {
		return nil, nil, err
	}
	var out [][]string
	var bad []string
	for {
		err := r.Next()
		if errors.Is(err, io.EOF) {
			return out, bad, nil
		}
		var re *RowError
		if errors.As(err, &re) {
			bad = append(bad, re.Error())
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		row := []string{}
		for k := range want {
			row = append(row, r.Field(k))
		}
		out = append(out, append(row, strings.Repeat("L", r.Line())))
	}
}

func TestReader(t *testing.T) {
	want := []string{"a", "b"}
	tests := []struct {
		name string
		text string
		rows [][]string
		bad  []string
	}{
		{"comma LF", "a,b\n1,2\n3,4\n", [][]string{{"1", "2", "LL"}, {"3", "4", "LLL"}}, nil},
		{"semicolon CRLF BOM", "\ufeffb;a\r\n2;1\r\n", [][]string{{"1", "2", "LL"}}, nil},
		{"quoted delimiter", "a;b\n\"x;y\";\"he said \"\"hi\"\"\"\n", [][]string{{"x;y", `he said "hi"`, "LL"}}, nil},
		{"multi-line quoted field", "a,b\n\"one\ntwo\",3\n4,5\n", [][]string{{"one\ntwo", "3", "LL"}, {"4", "5", "LLLL"}}, nil},
		{"short row", "a,b\n1\n3,4\n", [][]string{{"3", "4", "LLL"}}, []string{"f.csv line 2: has 1 fields, the header has 2"}},
		{"blank line skipped", "a,b\n1,2\n\n3,4\n", [][]string{{"1", "2", "LL"}, {"3", "4", "LLLL"}}, nil},
		{"spaces trimmed, header case", " A , B \n 1 , 2 \n", [][]string{{"1", "2", "LL"}}, nil},
		{"no trailing newline", "a,b\n1,2", [][]string{{"1", "2", "LL"}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, bad, err := readAll(t, tt.text, want)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.rows, rows); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.bad, bad); diff != "" {
				t.Errorf("row errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestHeaderErrors(t *testing.T) {
	tests := []struct{ name, text, want string }{
		{"missing", "a,c\n1,2\n", "missing column(s): b"},
		{"duplicate", "a,b,a\n", "repeated column(s): a"},
		{"empty", "", "the file is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewReader(strings.NewReader(tt.text), "f.csv", []string{"a", "b"})
			var he *HeaderError
			if !errors.As(err, &he) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want a header error containing %q", err, tt.want)
			}
		})
	}
	r, err := NewReader(strings.NewReader("a,x,b\n"), "f.csv", []string{"a", "b"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"x"}, r.Unknown); diff != "" {
		t.Errorf("unknown columns (-want +got):\n%s", diff)
	}
}

func FuzzReader(f *testing.F) {
	f.Add("a,b\n1,2\n")
	f.Add("\ufeffa;b\r\n\"x;\"\"y\";2\r\n")
	f.Add("a,b\n\"unterminated\n")
	f.Fuzz(func(t *testing.T, text string) {
		r, err := NewReader(strings.NewReader(text), "f.csv", []string{"a", "b"})
		if err != nil {
			var he *HeaderError
			if !errors.As(err, &he) {
				t.Fatalf("header failure is not a HeaderError: %v", err)
			}
			return
		}
		for i := 0; i < 10000; i++ {
			err := r.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			var re *RowError
			if errors.As(err, &re) {
				if re.Line < 1 {
					t.Fatalf("row error without a line: %v", re)
				}
				continue
			}
			if err != nil {
				t.Fatalf("unexpected error type %T: %v", err, err)
			}
			_, _ = r.Field(0), r.Field(1)
			if r.Line() < 2 {
				t.Fatalf("record on line %d, before the header ended", r.Line())
			}
		}
	})
}
