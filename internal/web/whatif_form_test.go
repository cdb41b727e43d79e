package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/geo"
	"github.com/fosis/fosis/internal/registry"
	"github.com/fosis/fosis/internal/targeting"
)

// TestWhatIfModelForm: the what-if runs from the model form (a decimal
// comma is read), a wrong value is said next to its field in the reader's
// language, activation asks for a confirmation, and a confirmed one makes
// the form's model the active one and says so.
func TestWhatIfModelForm(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	c.signIn("analista")
	resp, body := c.do("GET", "/whatif", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, `id="f-params.equivalence_exponent" name="params.equivalence_exponent" value="0.7"`) {
		t.Fatalf("GET /whatif: %d", resp.StatusCode)
	}
	form := formValues(t, body, "whatif-form")
	form.Set("params.equivalence_exponent", "0,5")
	form.Set("as_of", "2026-11-01")
	form.Set("do", "run")
	resp, body = c.do("POST", "/whatif", form)
	if resp.StatusCode != 200 || !strings.Contains(body, `id="whatif-result"`) || !strings.Contains(body, `value="0,5"`) {
		t.Fatalf("a what-if from the form: %d\n%s", resp.StatusCode, body)
	}

	form.Set("params.equivalence_exponent", "7")
	form.Set("params.needs.minor", "mucho")
	resp, body = c.do("POST", "/whatif", form)
	for _, want := range []string{"Exponente de equivalencia (0 a 1): debe estar entre 0 y 1", "Menor de edad: escriba un número", `class="form-control is-invalid" inputmode="decimal" id="f-params.needs.minor"`} {
		if resp.StatusCode != 400 || !strings.Contains(body, want) {
			t.Errorf("wrong values: %d, the page lacks %q", resp.StatusCode, want)
		}
	}

	form.Set("params.equivalence_exponent", "0.5")
	form.Set("params.needs.minor", "0.2")
	form.Set("do", "activate")
	if resp, body := c.do("POST", "/whatif", form); resp.StatusCode != 400 || !strings.Contains(body, "marque la casilla") {
		t.Errorf("activation without the confirmation: %d", resp.StatusCode)
	}
	form.Set("version", "2")
	form.Set("confirm_activate", "on")
	resp, body = c.do("POST", "/whatif", form)
	if resp.StatusCode != 200 || !strings.Contains(body, `id="whatif-activated"`) || !strings.Contains(body, "chile-rsh v2") {
		t.Fatalf("activation: %d at %s", resp.StatusCode, resp.Request.URL)
	}
	ts := targeting.NewStore(f.d, registry.NewStore(f.d, geo.Chile(), nil), nil)
	m, err := ts.ActiveModel(auth.WithPrincipal(context.Background(), auth.System()))
	if err != nil || m.Version != 2 || m.Income.EquivalenceExponent != 0.5 {
		t.Errorf("active model: %+v, %v", m, err)
	}
}
