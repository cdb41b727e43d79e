package web

import (
	"bytes"
	"html"
	"strings"
	"testing"
	"unicode/utf8"

	xhtml "golang.org/x/net/html"

	"github.com/fosis/fosis/internal/registry"
)

// FuzzFragmentText: whatever a value holds, text writes no markup (no
// character that could open a tag, an entity of its own or leave an
// attribute), and reading the HTML back gives the value, with NUL and
// invalid UTF-8 replaced.
func FuzzFragmentText(f *testing.F) {
	for _, s := range []string{"", "Ana", `"><script>alert(1)</script>`, "a&amp;b", "x\x00y", "\xff\xfe", "ñandú +1 'q'"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var fr fragment
		fr.text(s)
		out := string(fr.HTML())
		if strings.ContainsAny(out, "<>\"'\x00") {
			t.Fatalf("text(%q) = %q: holds markup characters", s, out)
		}
		if strings.Count(out, "&") != strings.Count(out, ";") && strings.Contains(out, "&") {
			for i := 0; i < len(out); i++ {
				if out[i] == '&' && !strings.HasPrefix(out[i:], "&amp;") && !strings.HasPrefix(out[i:], "&lt;") && !strings.HasPrefix(out[i:], "&gt;") &&
					!strings.HasPrefix(out[i:], "&#34;") && !strings.HasPrefix(out[i:], "&#39;") && !strings.HasPrefix(out[i:], "&#43;") {
					t.Fatalf("text(%q) = %q: a bare ampersand", s, out)
				}
			}
		}
		want := strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", "\uFFFD"), "\uFFFD")
		if got := html.UnescapeString(out); got != want && utf8.ValidString(s) {
			t.Fatalf("text(%q) reads back as %q, want %q", s, got, want)
		}
	})
}

// TestMemberRows reads the members table of a household page as a browser
// would: one row per member, ten cells each, holding exactly the values,
// even when they are made of markup.
func TestMemberRows(t *testing.T) {
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	evil := `"><script>alert(1)</script><img src=x onerror=alert(1)>`
	h := &registry.HouseholdView{ID: "H1", CommuneCode: "13101", MemberCount: 2, Zone: "urban", Tenure: evil, Rooms: 4,
		Members: []registry.PersonView{
			{Name: evil, RUN: "12345678-5", Relation: "head", Sex: "F", Age: 41, Schooling: 12, InSchool: true, Employed: true, LaborCLP: 650000},
			{Name: "Ana & Luz", RUN: "1-9", Relation: evil, Sex: "M", Age: 7, PensionCLP: 1234567},
		}}
	for lang, want := range map[string][][]string{
		"es": {{evil, "12.345.678-5", "jefatura", "Mujer", "41", "12 · estudia", "sí", "$650.000", "$0", "$0"},
			{"Ana & Luz", "1-9", evil, "Hombre", "7", "0", "no", "$0", "$1.234.567", "$0"}},
		"en": {{evil, "12.345.678-5", "head of household", "Woman", "41", "12 · in school", "yes", "$650,000", "$0", "$0"},
			{"Ana & Luz", "1-9", evil, "Man", "7", "0", "no", "$0", "$1,234,567", "$0"}},
	} {
		var buf bytes.Buffer
		if err := s.pages[lang]["household"].Execute(&buf, page{Lang: lang, Data: householdData{H: h}}); err != nil {
			t.Fatal(err)
		}
		doc, err := xhtml.Parse(&buf)
		if err != nil {
			t.Fatal(err)
		}
		var rows [][]string
		var dd []string
		var walk func(n *xhtml.Node, inBody bool)
		walk = func(n *xhtml.Node, inBody bool) {
			if n.Type == xhtml.ElementNode {
				switch n.Data {
				case "img":
					t.Errorf("%s: an <img> element in the page", lang)
				case "script":
					if len(n.Attr) == 0 || n.Attr[0].Key != "src" {
						t.Errorf("%s: an inline <script> element in the page", lang)
					}
				case "tbody":
					inBody = true
				case "tr":
					if inBody {
						rows = append(rows, nil)
					}
				case "td":
					if inBody {
						rows[len(rows)-1] = append(rows[len(rows)-1], textOf(n))
					}
				case "dd":
					dd = append(dd, textOf(n))
				}
			}
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				walk(c, inBody)
			}
		}
		walk(doc, false)
		if len(rows) != len(want) {
			t.Fatalf("%s: %d rows in the members table, want %d: %q", lang, len(rows), len(want), rows)
		}
		for i := range want {
			if strings.Join(rows[i], "|") != strings.Join(want[i], "|") {
				t.Errorf("%s: row %d\n got %q\nwant %q", lang, i, rows[i], want[i])
			}
		}
		if len(dd) != 11 || dd[1] != evil || dd[2] != "4" {
			t.Errorf("%s: the dwelling list reads %q", lang, dd)
		}
	}
}

func textOf(n *xhtml.Node) string {
	var b strings.Builder
	var walk func(*xhtml.Node)
	walk = func(n *xhtml.Node) {
		if n.Type == xhtml.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.TrimSpace(b.String())
}
