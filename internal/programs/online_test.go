package programs_test

import (
	"context"
	"sync"
	"testing"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/rut"
	"github.com/fosis/fosis/internal/programs"
)

// TestApplyOnline: a person sees the open calls of their commune with
// their eligibility and the reasons, applies once with consent and a way to
// be reached, and follows the application; 20 concurrent submissions of
// the same person store one.
func TestApplyOnline(t *testing.T) {
	f := newFixture(t, 300)
	heads := f.heads(f.main)
	c := f.openCall(t, programs.CallInput{Code: "semilla-online", Title: "Semilla en línea", Program: "yo-emprendo-semilla",
		OpensOn: "2026-11-01", ClosesOn: "2026-12-31", Run: f.run, BudgetCLP: 3 * 575_000,
		Communes: map[string]int{f.main: 3}, Spec: programs.CallSpec{
			Rules: []programs.Rule{{ID: "adult", NameES: "Mayor de edad", NameEN: "Adult", Expr: "age >= 18"}, {ID: "bracket", NameES: "Tramo 40", NameEN: "Bracket 40", Expr: "scored && bracket <= 40"}},
		}})
	body, err := rut.Parse(heads[0])
	if err != nil {
		t.Fatal(err)
	}
	me := citizen(body)
	calls, err := f.st.OpenCallsFor(me)
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) != 1 || calls[0].Call.Code != c.Code || calls[0].Applied != nil {
		t.Fatalf("open calls for the person: %+v", calls)
	}
	if !calls[0].Check.Eligible && len(calls[0].Check.Failed) == 0 {
		t.Errorf("an ineligible check without its reasons: %+v", calls[0].Check)
	}
	for _, tc := range []struct {
		name   string
		in     programs.OnlineApplication
		fields []string
	}{
		{"without consent", programs.OnlineApplication{Phone: "+56 9 1234 5678"}, []string{"consent"}},
		{"without a way to reach", programs.OnlineApplication{Consent: true}, []string{"phone"}},
		{"bad contact", programs.OnlineApplication{Email: "ana@", Phone: "12ab"}, []string{"consent", "email", "phone"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.st.ApplyOnline(me, c.Code, tc.in)
			var fe *fosis.Error
			if !asFosis(err, &fe) || fe.Code != fosis.EINVALID {
				t.Fatalf("ApplyOnline: %v, want invalid", err)
			}
			var got []string
			for _, x := range fe.Fields {
				got = append(got, x.Field)
			}
			if len(got) != len(tc.fields) {
				t.Errorf("fields %v, want %v (every error at once)", got, tc.fields)
			}
		})
	}
	if _, err := f.st.ApplyOnline(f.ctx, c.Code, programs.OnlineApplication{Consent: true, Phone: "+56 9 1234 5678"}); fosis.ErrorCode(err) != fosis.EFORBIDDEN {
		t.Errorf("staff through the portal's door: %v, want forbidden", err)
	}
	// 20 submissions at once (a double click, a retry): one application.
	var wg sync.WaitGroup
	errs := make([]error, 20)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = f.st.ApplyOnline(me, c.Code, programs.OnlineApplication{Consent: true, Phone: "+56 9 1234 5678", Email: "ana@example.cl"})
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case fosis.ErrorCode(err) != fosis.ECONFLICT:
			t.Errorf("a second submission: %v, want a conflict", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d applications stored, want 1", won)
	}
	mine, err := f.st.MyApplications(me)
	if err != nil || len(mine) != 1 || mine[0].Call != c.Code || mine[0].Channel != programs.ChannelOnline {
		t.Fatalf("my applications: %+v, %v", mine, err)
	}
	calls, err = f.st.OpenCallsFor(me)
	if err != nil || calls[0].Applied == nil || calls[0].Applied.ID != mine[0].ID {
		t.Errorf("the call after applying: %+v, %v", calls, err)
	}
	// Someone else of another household sees none of it.
	other, _ := rut.Parse(heads[1])
	if theirs, err := f.st.MyApplications(citizen(other)); err != nil || len(theirs) != 0 {
		t.Errorf("another person's applications: %+v, %v", theirs, err)
	}
}

func asFosis(err error, target **fosis.Error) bool {
	e, ok := err.(*fosis.Error)
	if ok {
		*target = e
	}
	return ok
}

// citizen is a person signed in to the portal.
func citizen(key int64) context.Context {
	return auth.WithPrincipal(context.Background(), &auth.Principal{Username: "citizen", Role: auth.RoleCitizen, PersonKey: key})
}
