package web

import (
	"html/template"
	"unicode/utf8"
)

// fragment writes a piece of HTML in Go, for the few loops of the busiest
// pages where html/template's cost per action (a reflective call to an
// escaper for every value printed) is most of the page's time: the members
// of a household, one row each. Markup comes only from constants — tag
// takes a markup, and a string variable does not convert to one without a
// visible markup(...) — and every value goes through text, which escapes
// it as html/template does in element content. Everything else stays in
// templates; see CONTRIBUTING ("Pages").
type fragment struct{ b []byte }

// markup is constant HTML. Untyped string constants convert to it
// implicitly; nothing else should.
type markup string

// tag appends constant markup.
func (f *fragment) tag(m markup) { f.b = append(f.b, m...) }

// text appends s escaped for element content or a quoted attribute value:
// the characters html/template escapes there (& < > " ' + and NUL, which
// becomes U+FFFD), and invalid UTF-8 replaced as well.
func (f *fragment) text(s string) {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch c {
			case '&':
				f.b = append(f.b, "&amp;"...)
			case '<':
				f.b = append(f.b, "&lt;"...)
			case '>':
				f.b = append(f.b, "&gt;"...)
			case '"':
				f.b = append(f.b, "&#34;"...)
			case '\'':
				f.b = append(f.b, "&#39;"...)
			case '+':
				f.b = append(f.b, "&#43;"...)
			case 0:
				f.b = append(f.b, "\uFFFD"...)
			default:
				f.b = append(f.b, c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			f.b = append(f.b, "\uFFFD"...)
		} else {
			f.b = append(f.b, s[i:i+n]...)
		}
		i += n
	}
}

// HTML is what was written, for a template to print as it is.
func (f *fragment) HTML() template.HTML { return template.HTML(f.b) }
