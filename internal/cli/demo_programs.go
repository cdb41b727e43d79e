package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/fosis/fosis/internal/programs"
)

// demoPrograms gives the demo a programme catalogue, an executing agency
// with a contract (the "ejecutor" account is its staff) and three calls at
// different stages: a draft, an open call with applications, and a
// published one with a waiting list, a withdrawal that promoted the next
// applicant, and an enrolment. It does nothing if calls already exist.
func demoPrograms(ctx context.Context, a *App) error {
	if _, err := a.Programs.SeedCatalogue(ctx); err != nil {
		return err
	}
	calls, err := a.Programs.Calls(ctx)
	if err != nil || len(calls) > 0 {
		return err
	}
	run, err := a.Targeting.Run(ctx, "latest")
	if err != nil {
		return err
	}
	// Heads of household of the two communes of the Metropolitan region with
	// the most households among a few large ones.
	communes := []string{"13101", "13110", "13119", "13201"}
	heads := map[string][]string{}
	for _, c := range communes {
		page, err := a.Registry.ListByCommune(ctx, c, 0, 60)
		if err != nil {
			return err
		}
		for _, h := range page.Items {
			full, err := a.Registry.HouseholdByKey(ctx, h.Key)
			if err != nil {
				return err
			}
			for _, m := range full.Members {
				if m.Relation == "head" {
					heads[c] = append(heads[c], m.RUN)
				}
			}
		}
	}
	if _, err := a.Programs.CreateAgency(ctx, "ong-demo", "ONG Demostración"); err != nil {
		return err
	}
	year := time.Now().UTC().Year()
	if _, err := a.Programs.AddContract(ctx, "ong-demo", programs.Contract{Line: "yo-emprendo-semilla", TenderCode: fmt.Sprintf("DEMO-%d-001", year),
		StartsOn: fmt.Sprintf("%d-01-01", year), EndsOn: fmt.Sprintf("%d-12-31", year), Families: 40, BudgetCLP: 40 * 575_000,
		Communes: []string{"13101", "13110"}}); err != nil {
		return err
	}
	if u, err := a.Auth.UserByUsername(ctx, "ejecutor"); err == nil {
		if err := a.Programs.AddStaff(ctx, u.ID, "ong-demo"); err != nil {
			return err
		}
	}
	today := time.Now().UTC()
	day := func(d int) string { return today.AddDate(0, 0, d).Format(time.DateOnly) }
	mk := func(in programs.CallInput, status ...string) error {
		if _, err := a.Programs.CreateCall(ctx, in); err != nil {
			return err
		}
		for _, st := range status {
			if _, err := a.Programs.SetStatus(ctx, in.Code, st); err != nil {
				return err
			}
		}
		return nil
	}
	apply := func(code string, runs []string) error {
		for _, r := range runs {
			if _, err := a.Programs.Apply(ctx, code, programs.ApplyInput{RUN: r}); err != nil {
				return err
			}
		}
		return nil
	}
	// A draft.
	if err := mk(programs.CallInput{Code: "yo-trabajo-borrador", Title: "Yo Trabajo — borrador", Program: "yo-trabajo",
		OpensOn: day(14), ClosesOn: day(60), Run: run.ID, BudgetCLP: 20 * 300_000, Communes: map[string]int{"13119": 10, "13201": 10},
		Spec: programs.CallSpec{CooldownMonths: 24}}); err != nil {
		return err
	}
	// An open call, with the agency's communes.
	if err := mk(programs.CallInput{Code: "semilla-abierta", Title: "Yo Emprendo Semilla — abierta", Program: "yo-emprendo-semilla",
		OpensOn: day(-7), ClosesOn: day(30), Run: run.ID, BudgetCLP: 12 * 575_000, Communes: map[string]int{"13101": 6, "13110": 6},
		Spec: programs.CallSpec{Rules: []programs.Rule{
			{ID: "adult", NameES: "Tener 18 años o más", NameEN: "Be 18 or older", Expr: "age >= 18"},
			{ID: "tramo60", NameES: "Tramo 60% del RSH o menos", NameEN: "RSH 60% bracket or below", Expr: "scored && bracket <= 60"}},
			CooldownMonths: 24,
			Priorities:     []programs.Rule{{ID: "woman-head", NameES: "Jefa de hogar", NameEN: "Woman head of household", Expr: `sex == "F" && relation == "head"`}}}},
		programs.StatusOpen); err != nil {
		return err
	}
	if err := apply("semilla-abierta", append(first(heads["13101"], 15), first(heads["13110"], 15)...)); err != nil {
		return err
	}
	// A published call with a waiting list, a promotion and an enrolment.
	if err := mk(programs.CallInput{Code: "semilla-publicada", Title: "Yo Emprendo Semilla — publicada", Program: "yo-emprendo-semilla",
		OpensOn: day(-60), ClosesOn: day(-30), Run: run.ID, BudgetCLP: 8 * 575_000, Communes: map[string]int{"13119": 3, "13201": 3},
		Regions: map[string]int{"13": 8},
		Spec: programs.CallSpec{Rules: []programs.Rule{
			{ID: "adult", NameES: "Tener 18 años o más", NameEN: "Be 18 or older", Expr: "age >= 18"},
			{ID: "tramo70", NameES: "Tramo 70% del RSH o menos", NameEN: "RSH 70% bracket or below", Expr: "scored && bracket <= 70"}},
			Reserved: []programs.ReservedShare{{Rule: programs.Rule{ID: "poorest", NameES: "5% más vulnerable", NameEN: "Poorest 5%", Expr: "poorest5"}, Share: 0.34}}}},
		programs.StatusOpen); err != nil {
		return err
	}
	if err := apply("semilla-publicada", append(first(heads["13119"], 20), first(heads["13201"], 20)...)); err != nil {
		return err
	}
	for _, st := range []string{programs.StatusClosed} {
		if _, err := a.Programs.SetStatus(ctx, "semilla-publicada", st); err != nil {
			return err
		}
	}
	if _, err := a.Programs.RunSelection(ctx, "semilla-publicada"); err != nil {
		return err
	}
	if _, err := a.Programs.SetStatus(ctx, "semilla-publicada", programs.StatusPublished); err != nil {
		return err
	}
	sel, err := a.Programs.Applications(ctx, "semilla-publicada", programs.AppSelected)
	if err != nil {
		return err
	}
	if len(sel) >= 2 {
		if _, err := a.Programs.Withdraw(ctx, sel[0].ID, "se cambió de región (demo)"); err != nil {
			return err
		}
		if _, err := a.Programs.Enroll(ctx, sel[1].ID, today); err != nil {
			return err
		}
	}
	fmt.Fprintln(a.Stdout, "calls: a draft, an open call with applications and a published one (fosis calls list; /calls in the web application)")
	return nil
}

func first(xs []string, n int) []string { return xs[:min(n, len(xs))] }
