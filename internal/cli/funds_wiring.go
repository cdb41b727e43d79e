package cli

import (
	"context"
	"time"

	"github.com/fosis/fosis/internal/delivery"
	"github.com/fosis/fosis/internal/funds"
	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/programs"
)

// wireFunds connects the slices around participants' money: every
// enrolment opens a case (delivery) and then reserves the line's amount for
// it (funds); an approved business or work-placement plan commits its
// budget; a case that ends releases what was not spent; and the funds slice
// reads cases, with the caller's reach, through the delivery slice.
func wireFunds(prog *programs.Store, dl *delivery.Store, fs *funds.Store) {
	prog.OnEnrol(func(ctx context.Context, tx *db.Tx, e programs.Enrolment) error {
		if err := dl.OnEnrol(ctx, tx, e); err != nil {
			return err
		}
		caseID, err := dl.CaseOfParticipation(ctx, tx, e.Participation)
		if err != nil || caseID == 0 {
			return err
		}
		return fs.OnEnrol(ctx, tx, funds.Enrolment{Participation: e.Participation, CaseID: caseID, Call: e.Call, Line: e.Line,
			Version: e.Version, Region: e.Region, Commune: e.Commune, Agency: e.Agency, HouseholdID: e.HouseholdID, RUN: e.RUN(),
			Amount: e.AmountCLP})
	})
	dl.OnPlanApproved(func(ctx context.Context, tx *db.Tx, c delivery.Case, p delivery.Plan) error {
		lines := make([]funds.PlanLine, len(p.Budget))
		for i, b := range p.Budget {
			lines[i] = funds.PlanLine{Item: b.Item, Amount: b.AmountCLP}
		}
		return fs.OnPlanApproved(ctx, tx, funds.PlanApproval{CaseID: c.ID, PlanID: p.ID, Version: p.Version, Kind: p.Kind,
			Lines: lines, Total: p.TotalCLP, On: tx.Now})
	})
	dl.OnCaseClosed(func(ctx context.Context, tx *db.Tx, c delivery.Case) error {
		return fs.OnCaseClosed(ctx, tx, c.ID, c.State)
	})
	fs.ReadCasesWith(func(ctx context.Context, id int64) (funds.CaseInfo, error) {
		c, err := dl.Case(ctx, id)
		if err != nil {
			return funds.CaseInfo{}, err
		}
		return funds.CaseInfo{ID: c.ID, Line: c.Line, Version: c.Version, HouseholdID: c.HouseholdID, RUN: c.RUN, Commune: c.Commune,
			Region: c.Region, Agency: c.Agency, Counsellor: c.Counsellor, State: c.State}, nil
	})
}

// today is the date the commands use for deadlines.
func today() time.Time {
	t := time.Now().UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}
