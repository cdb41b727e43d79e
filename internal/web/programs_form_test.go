package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	xhtml "golang.org/x/net/html"

	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/programs"
)

// formValues reads what a browser would submit from the form with id in
// body: its inputs (checked boxes only; no buttons), selects and text areas.
func formValues(t *testing.T, body, id string) url.Values {
	t.Helper()
	doc, err := xhtml.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	attr := func(n *xhtml.Node, k string) (string, bool) {
		for _, a := range n.Attr {
			if a.Key == k {
				return a.Val, true
			}
		}
		return "", false
	}
	text := func(n *xhtml.Node) string {
		var b strings.Builder
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == xhtml.TextNode {
				b.WriteString(c.Data)
			}
		}
		return b.String()
	}
	var form *xhtml.Node
	var find func(n *xhtml.Node)
	find = func(n *xhtml.Node) {
		if v, _ := attr(n, "id"); n.Type == xhtml.ElementNode && n.Data == "form" && v == id {
			form = n
		}
		for c := n.FirstChild; c != nil && form == nil; c = c.NextSibling {
			find(c)
		}
	}
	find(doc)
	if form == nil {
		t.Fatalf("no form %s in the page", id)
	}
	out := url.Values{}
	var walk func(n *xhtml.Node)
	walk = func(n *xhtml.Node) {
		if n.Type == xhtml.ElementNode {
			name, named := attr(n, "name")
			switch n.Data {
			case "input":
				typ, _ := attr(n, "type")
				_, checked := attr(n, "checked")
				v, _ := attr(n, "value")
				if named && typ != "submit" && (typ != "checkbox" || checked) {
					if typ == "checkbox" && v == "" {
						v = "on"
					}
					out.Add(name, v)
				}
			case "textarea":
				if named {
					out.Add(name, strings.TrimPrefix(text(n), "\n"))
				}
			case "select":
				first, chosen := "", ""
				var opts func(o *xhtml.Node)
				opts = func(o *xhtml.Node) {
					for c := o.FirstChild; c != nil; c = c.NextSibling {
						if c.Type == xhtml.ElementNode && c.Data == "option" {
							v, _ := attr(c, "value")
							if first == "" {
								first = v
							}
							if _, sel := attr(c, "selected"); sel && chosen == "" {
								chosen = v
							}
						}
						opts(c)
					}
				}
				opts(n)
				if chosen == "" {
					chosen = first
				}
				if named {
					out.Add(name, chosen)
				}
				return
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(form)
	return out
}

// TestProgramVersionForm: the version form opens the stored rules in the
// builder (CEL shown as written), adds and removes rows without saving,
// refuses an unchanged version, explains a wrong value next to its rule,
// and stores a rule written by the builder with its names; the JSON
// download keeps > as >.
func TestProgramVersionForm(t *testing.T) {
	f := newProgrammesFixture(t)
	sys := auth.WithPrincipal(context.Background(), auth.System())
	c := f.client(t)
	c.signIn("analista")
	resp, body := c.do("GET", "/programs/yo-trabajo", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, `<code>scored &amp;&amp; bracket &lt;= 40</code>`) || strings.Contains(body, `\u003e`) ||
		!strings.Contains(body, `id="rules-0-a" name="rules.0.a" value="18"`) {
		t.Fatalf("programme page: %d\n%s", resp.StatusCode, body)
	}
	form := formValues(t, body, "program-form")

	// Nothing changed: refused, nothing stored.
	form.Set("do", "save")
	resp, body = c.do("POST", "/programs/yo-trabajo", form)
	if resp.StatusCode != 409 || !strings.Contains(body, "nada cambió") || !strings.Contains(body, `id="program-errors"`) {
		t.Errorf("unchanged: %d", resp.StatusCode)
	}

	// Rows come and go without saving.
	form.Set("do", "add:components")
	resp, body = c.do("POST", "/programs/yo-trabajo", form)
	if resp.StatusCode != 200 || !strings.Contains(body, `id="components-3-es"`) {
		t.Errorf("add a component: %d", resp.StatusCode)
	}
	form.Set("do", "add:rules")
	form.Set("rules_new_kind", "age_between")
	resp, body = c.do("POST", "/programs/yo-trabajo", form)
	if resp.StatusCode != 200 || !strings.Contains(body, `id="rules-3-b"`) {
		t.Fatalf("add a rule: %d", resp.StatusCode)
	}
	form = formValues(t, body, "program-form")
	form.Set("do", "cel:rules:2")
	resp, body = c.do("POST", "/programs/yo-trabajo", form)
	if resp.StatusCode != 200 || !strings.Contains(body, `name="rules.2.expr"`) || !strings.Contains(body, ">!employed</textarea>") {
		t.Errorf("rule 3 as CEL: %d", resp.StatusCode)
	}

	// A wrong value is said next to its rule; nothing is stored.
	form.Set("do", "save")
	form.Set("rules.3.a", "50")
	form.Set("rules.3.b", "20")
	resp, body = c.do("POST", "/programs/yo-trabajo", form)
	if resp.StatusCode != 400 || !strings.Contains(body, `id="rules-3-problems"`) || !strings.Contains(body, "Reglas de elegibilidad, fila 4") {
		t.Errorf("ages the wrong way round: %d", resp.StatusCode)
	}

	// Saved: the builder's rule with its names, the others as they were.
	form.Set("rules.3.a", "25")
	form.Set("rules.3.b", "40")
	form.Set("do", "del:rules:1")
	resp, body = c.do("POST", "/programs/yo-trabajo", form)
	if resp.StatusCode != 200 || strings.Contains(body, `id="rules-3-b"`) {
		t.Fatalf("remove rule 2: %d", resp.StatusCode)
	}
	form = formValues(t, body, "program-form")
	form.Set("do", "save")
	resp, body = c.do("POST", "/programs/yo-trabajo", form)
	if resp.StatusCode != 200 || !strings.Contains(body, `id="program-saved"`) {
		t.Fatalf("save: %d at %s", resp.StatusCode, resp.Request.URL)
	}
	p, err := f.ps.Program(sys, "yo-trabajo", 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []programs.Rule{{ID: "adult", NameES: "Tener 18 años o más", NameEN: "Be 18 or older", Expr: "age >= 18"},
		{ID: "not-employed", NameES: "Estar sin trabajo o inactivo", NameEN: "Be unemployed or inactive", Expr: "!employed"},
		{ID: "age", NameES: "Tener entre 25 y 40 años", NameEN: "Be between 25 and 40", Expr: "age >= 25 && age <= 40"}}
	if diff := cmp.Diff(want, p.Spec.Rules); diff != "" || p.Version != 2 {
		t.Errorf("version %d's rules (-want +got):\n%s", p.Version, diff)
	}
	if !strings.Contains(body, `id="rules-2-a" name="rules.2.a" value="25"`) {
		t.Errorf("the saved rule does not open in the builder")
	}

	// The JSON for power users: rules as written.
	resp, body = c.do("GET", "/programs/yo-trabajo/version.json", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, `"expr": "age >= 25 && age <= 40"`) || !strings.Contains(resp.Header.Get("Content-Disposition"), "yo-trabajo-v2.json") {
		t.Errorf("download: %d %s\n%s", resp.StatusCode, resp.Header.Get("Content-Disposition"), body)
	}
}
