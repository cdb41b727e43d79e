package scopetest

import (
	"fmt"
	"html"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// Template is a request with placeholders: {kind} is a value of kind that
// the walk varies, {kind:i} the i-th own value of kind (pinned), {today}
// today's date. Values go into the target escaped as a path or query
// needs, into the body through Escape (nil: as they are).
type Template struct {
	Method, Target string
	ContentType    string
	Body           string
	Escape         func(string) string
}

// Request is a template filled in.
type Request struct {
	Method, Target, ContentType, Body string
	// Kind and Value are the varied placeholder's ("" for a template
	// without one).
	Kind, Value string
}

func (r Request) String() string {
	s := r.Method + " " + r.Target
	if r.Body != "" && len(r.Body) < 200 {
		s += " " + r.Body
	}
	return s
}

// Answer is what a client saw: the status, and a text holding whatever
// may carry data (the final URL after redirects, the headers that name a
// file, the body). JSON is the decoded body of a JSON answer (nil
// otherwise).
type Answer struct {
	Status int
	Text   string
	JSON   any
}

// Options say what a route may do beyond the rule.
type Options struct {
	// Allow are categories of forbidden strings the route may show, for the
	// reason given in the route table.
	Allow []string
	// Write: the route changes data. Its requests with another region's
	// value and with a value that does not exist must be refused (403 or
	// 404) and leave the database as it was; own values are not sent.
	Write bool
	// Existence: for a route that refuses another region's record with 403
	// and a missing one with 404, why that says nothing of any region.
	Existence string
	// OwnMayFail: why the officer's own values may answer an error other
	// than 403 (the role refused).
	OwnMayFail string
	// Invalid: for a route that writes, why a refusal may be 400 (the
	// request is wrong because of the other region's value) — still the
	// same answer as for a value that does not exist, changing nothing.
	Invalid string
	// Public: why the route's JSON records located in other regions are
	// public information every role reads (the services directory: an
	// institution's service in a commune, never a household); their
	// records are then not counted as another region's. Forbidden strings
	// (household ids, RUNs, names…) are still looked for.
	Public string
}

var placeholder = regexp.MustCompile(`\{([a-z][a-z-]*)(?::([0-9]+))?\}`)

// Kinds returns the kinds a template varies, in order.
func Kinds(tpl Template) []string {
	var out []string
	for _, s := range []string{tpl.Target, tpl.Body} {
		for _, m := range placeholder.FindAllStringSubmatch(s, -1) {
			if m[2] == "" && m[1] != "today" && !slices.Contains(out, m[1]) {
				out = append(out, m[1])
			}
		}
	}
	return out
}

// fill fills tpl with kind's placeholders set to v and every other to its
// first (or pinned) own value.
func (w *World) fill(t testing.TB, tpl Template, kind, v string) Request {
	t.Helper()
	sub := func(s string, esc func(string) string) string {
		return placeholder.ReplaceAllStringFunc(s, func(p string) string {
			m := placeholder.FindStringSubmatch(p)
			var val string
			switch {
			case m[1] == "today":
				val = time.Now().UTC().Format(time.DateOnly)
			case m[1] == kind && m[2] == "":
				val = v
			default:
				vals, ok := w.Values[m[1]]
				if !ok {
					t.Fatalf("%s %s: no values of kind %q: add them to scopetest.New", tpl.Method, tpl.Target, m[1])
				}
				i := 0
				if m[2] != "" {
					i, _ = strconv.Atoi(m[2])
				}
				if i >= len(vals.Own) {
					t.Fatalf("%s %s: kind %q has %d own values, not %d", tpl.Method, tpl.Target, m[1], len(vals.Own), i+1)
				}
				val = vals.Own[i]
			}
			if esc != nil {
				return esc(val)
			}
			return val
		})
	}
	path, query, _ := strings.Cut(tpl.Target, "?")
	target := sub(path, url.PathEscape)
	if query != "" {
		target += "?" + sub(query, url.QueryEscape)
	}
	return Request{Method: tpl.Method, Target: target, ContentType: tpl.ContentType, Body: sub(tpl.Body, tpl.Escape), Kind: kind, Value: v}
}

// Walk sends tpl's requests as the officer, through do, and checks them:
//
//   - with every own value of every kind it varies (and once as it is, if
//     it varies none): no error but 403 (unless OwnMayFail says why),
//     and nothing of another region's data in the answer;
//   - with each other region's value of a kind, compared with the value of
//     that kind that does not exist: the same status (403 both times where
//     the role is refused) and the same answer once the value itself is
//     swapped, or — with Existence — 403 against 404; and nothing of
//     another region's data beyond the value itself.
//
// For a route that writes (Options.Write), own values are not sent; the
// other and missing values must be refused and leave every table as it was.
// A route that writes and names no record of a region (or only records no
// region owns: a programme, a cooperation project) is sent once, and must
// be refused likewise: the officer makes no national change.
// It returns how many requests it sent.
func (w *World) Walk(t *testing.T, tpl Template, opt Options, do func(Request) Answer) int {
	t.Helper()
	sent := 0
	// Every request may change the database (a sensitive read is audited),
	// except those the walk has just seen change nothing: the digest after
	// one refused change is the digest before the next.
	send := func(req Request) Answer {
		w.printOK = false
		sent++
		return do(req)
	}
	before := func() string {
		if !w.printOK {
			w.print, w.printOK = w.Fingerprint(t), true
		}
		return w.print
	}
	check := func(req Request, a Answer, text string) {
		t.Helper()
		if found := w.Forbidden.Find(text, opt.Allow...); len(found) > 0 {
			t.Errorf("%s (%d) shows another region's data: %s", req, a.Status, strings.Join(found, "; "))
		}
		if a.JSON != nil && opt.Public == "" {
			if found := w.Forbidden.JSON(a.JSON); len(found) > 0 {
				t.Errorf("%s (%d) holds another region's records:\n%s", req, a.Status, strings.Join(found, "\n"))
			}
		}
	}
	kinds := Kinds(tpl)
	if !opt.Write {
		var reqs []Request
		if len(kinds) == 0 {
			reqs = append(reqs, w.fill(t, tpl, "", ""))
		}
		for _, k := range kinds {
			for _, v := range w.Values[k].Own {
				reqs = append(reqs, w.fill(t, tpl, k, v))
			}
		}
		for _, req := range reqs {
			a := send(req)
			switch {
			case a.Status >= 500:
				t.Errorf("%s: status %d\n%s", req, a.Status, clip(a.Text))
			case a.Status >= 400 && a.Status != 403 && opt.OwnMayFail == "":
				t.Errorf("%s: status %d with the officer's own values: fix the route's values, or the walk proves nothing with them\n%s", req, a.Status, clip(a.Text))
			}
			check(req, a, a.Text)
		}
	}
	// The changes attempted are refused: the database is as it was before
	// them (checked once, after all of them).
	var writes []string
	if opt.Write {
		was := before()
		defer func() {
			t.Helper()
			w.print, w.printOK = w.Fingerprint(t), true
			if w.print != was {
				t.Errorf("the database changed after:\n%s", strings.Join(writes, "\n"))
			}
		}()
		// A change that names no record of a region (or only records no
		// region owns) is national: the officer is refused it.
		var reqs []Request
		if len(kinds) == 0 {
			reqs = append(reqs, w.fill(t, tpl, "", ""))
		}
		for _, k := range kinds {
			if len(w.Values[k].Other) == 0 {
				reqs = append(reqs, w.fill(t, tpl, k, w.Values[k].Own[0]))
			}
		}
		for _, req := range reqs {
			a := send(req)
			writes = append(writes, fmt.Sprintf("%s (%d)", req, a.Status))
			if a.Status != 403 && a.Status != 404 && (opt.Invalid == "" || a.Status != 400) {
				t.Errorf("%s: status %d, want it refused (403 or 404): a regional officer does not make national changes\n%s", req, a.Status, clip(a.Text))
			}
			check(req, a, a.Text)
		}
	}
	for _, k := range kinds {
		vals := w.Values[k]
		if vals.None == "" {
			t.Fatalf("%s %s: kind %q has no value that does not exist", tpl.Method, tpl.Target, k)
		}
		for _, other := range vals.Other {
			ro, rn := w.fill(t, tpl, k, other), w.fill(t, tpl, k, vals.None)
			ao, an := send(ro), send(rn)
			writes = append(writes, fmt.Sprintf("%s (%d)", ro, ao.Status), fmt.Sprintf("%s (%d)", rn, an.Status))
			// The missing value's answer, with the value replaced by the other
			// region's (in each form it may be echoed), must be the other's.
			to, tn := ao.Text, swap(an.Text, k, vals.None, other)
			check(ro, ao, blank(ao.Text, k, other))
			if opt.Write && ao.Status != 403 && ao.Status != 404 && (opt.Invalid == "" || ao.Status != 400) {
				t.Errorf("%s: status %d, want it refused (403 or 404)\n%s", ro, ao.Status, clip(ao.Text))
			}
			switch {
			case ao.Status == 403 && an.Status == 404 && opt.Existence != "":
			case ao.Status != an.Status:
				t.Errorf("%s answers %d, but %d for a value that does not exist (%s)\n%s", ro, ao.Status, an.Status, rn.Target, clip(ao.Text))
			case to != tn:
				t.Errorf("%s answers unlike a value that does not exist (%s):\n%s", ro, rn.Target, diff(to, tn))
			}
		}
	}
	return sent
}

// blank replaces value v of kind, in every form an answer may echo it, with
// a placeholder.
func blank(text, kind, v string) string {
	for _, e := range Echoes(kind, v) {
		for _, esc := range escapes {
			text = replaceWord(text, esc(e), "{VALUE}")
		}
	}
	return text
}

// escapes are the ways a page or an answer may write a value it echoes.
var escapes = []func(string) string{
	func(s string) string { return s }, url.PathEscape, url.QueryEscape, html.EscapeString,
	func(s string) string { return html.EscapeString(url.QueryEscape(s)) },
	func(s string) string { return strings.ReplaceAll(html.EscapeString(url.QueryEscape(s)), "+", "&#43;") },
	func(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "&#43;") },
}

// swap replaces value v of kind with w, form by form, where text echoes it.
func swap(text, kind, v, w string) string {
	from, to := Echoes(kind, v), Echoes(kind, w)
	if len(from) != len(to) {
		return blank(text, kind, v)
	}
	for i, e := range from {
		for _, esc := range escapes {
			text = replaceWord(text, esc(e), esc(to[i]))
		}
	}
	return text
}

// replaceWord replaces old in text where it is not part of a longer word or
// number (a RUN, an amount with separators).
func replaceWord(text, old, repl string) string {
	numeric := strings.Trim(old, "0123456789") == "" // a number inside 14.295.112-6 is not one
	var b strings.Builder
	for {
		i := strings.Index(text, old)
		if i < 0 {
			b.WriteString(text)
			return b.String()
		}
		before, _ := utf8.DecodeLastRuneInString(text[:i])
		after, _ := utf8.DecodeRuneInString(text[i+len(old):])
		b.WriteString(text[:i])
		inside := func(r rune) bool { return isWordRune(r) || (numeric && strings.ContainsRune(".,-", r)) }
		if inside(before) || inside(after) {
			b.WriteString(old)
		} else {
			b.WriteString(repl)
		}
		text = text[i+len(old):]
	}
}

func clip(s string) string {
	if len(s) > 600 {
		return s[:600] + "…"
	}
	return s
}

// diff shows where two texts first differ.
func diff(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(0, i-200)
	return fmt.Sprintf("another region's: …%s…\nmissing value's: …%s…", clip(a[from:]), clip(b[from:]))
}
