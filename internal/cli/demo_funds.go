package cli

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/delivery"
	"github.com/fosis/fosis/internal/funds"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/programs"
)

// demoBudgetLines are the programme lines the demo's budget law funds, with
// the assignment per participant-sized unit and how many units each region
// gets (the Metropolitan region more).
var demoBudgetLines = []struct {
	line  string
	unit  int64
	units int
}{
	{"yo-emprendo-semilla", 575_000, 60},
	{"yo-trabajo", 300_000, 50},
	{"yo-trabajo-jovenes", 180_000, 40},
	{"habitabilidad", 1_000_000, 20},
}

// demoBudget records the demo year's budget law for every region and line,
// a modification, and the envelopes of the demo's calls (before the calls
// exist, so that their enrolments reserve money). It does nothing if the
// year has a budget.
func demoBudget(ctx context.Context, a *App) error {
	year := time.Now().UTC().Year()
	fin := demoFinance()
	rows, err := a.Funds.Balances(fin, funds.Filter{Year: year})
	if err != nil || len(rows) > 0 {
		return err
	}
	for _, r := range a.Territory.Regions {
		for _, l := range demoBudgetLines {
			units := l.units
			if r.Code != "13" {
				units /= 3
			}
			k := funds.Key{Year: year, Line: l.line, Region: r.Code}
			if _, err := a.Funds.Assign(fin, k, l.unit*int64(units), fmt.Sprintf("Ley de Presupuestos %d, partida 21, capítulo 02", year)); err != nil {
				return err
			}
		}
	}
	rm := funds.Key{Year: year, Line: "yo-emprendo-semilla", Region: "13"}
	if _, err := a.Funds.Modify(fin, rm, 10*575_000, "Decreto de modificación presupuestaria (demo)"); err != nil {
		return err
	}
	for _, e := range []struct {
		line, call string
		amount     int64
	}{{"yo-emprendo-semilla", "semilla-publicada", 8 * 575_000}, {"yo-emprendo-semilla", "semilla-abierta", 12 * 575_000},
		{"yo-trabajo", "yo-trabajo-borrador", 20 * 300_000}} {
		if _, err := a.Funds.Allocate(fin, funds.Key{Year: year, Line: e.line, Region: "13"}, e.call, e.amount, "envelope of the call"); err != nil {
			return err
		}
	}
	return nil
}

// demoFinance is the demo's finance officer.
func demoFinance() context.Context {
	return auth.WithPrincipal(context.Background(), &auth.Principal{Username: "finanzas", Role: auth.RoleFinance})
}

// demoFunds spends the demo year: every family selected in the published
// call is enrolled (each enrolment reserves the line's amount), their cases
// go through the entry diagnosis to an approved business plan (which
// commits its budget), the first tranches are ordered and paid (one
// rejected by the bank and ordered again), receipts justify purchases (some
// held for review, one reviewed), and one family drops out (its money goes
// back to the envelope). The other regions' envelopes get a year of
// aggregate movements, so that the budget execution page shows a year. It
// does nothing if participants exist.
func demoFunds(ctx context.Context, a *App) error {
	fin := demoFinance()
	if rows, err := a.Funds.Participants(fin, funds.ParticipantFilter{}, 10); err != nil || len(rows) > 1 {
		return err
	}
	today := time.Now().UTC()
	sel, err := a.Programs.Applications(ctx, "semilla-publicada", programs.AppSelected)
	if err != nil {
		return err
	}
	for _, app := range sel {
		if _, err := a.Programs.Enroll(ctx, app.ID, today); err != nil {
			return err
		}
	}
	rows, err := a.Funds.Participants(fin, funds.ParticipantFilter{}, 100)
	if err != nil {
		return err
	}
	admin := auth.WithPrincipal(ctx, &auth.Principal{Username: "admin", Role: auth.RoleAdmin})
	rng := rand.New(rand.NewPCG(11, 14))
	plans := [][]delivery.BudgetLine{
		{{Item: "Horno industrial", AmountCLP: 380_000}, {Item: "Harina y levadura", AmountCLP: 120_000}, {Item: "Moldes", AmountCLP: 75_000}},
		{{Item: "Máquina de coser", AmountCLP: 320_000}, {Item: "Telas", AmountCLP: 180_000}},
		{{Item: "Carro de venta", AmountCLP: 290_000}, {Item: "Mercadería inicial", AmountCLP: 210_000}, {Item: "Permiso municipal", AmountCLP: 45_000}},
	}
	receiptFile := demoReceiptImage()
	type first struct {
		i      int
		id     int64
		y      funds.TranchePayment
		budget []delivery.BudgetLine
	}
	var firsts []first
	var late []int64
	for i, r := range rows {
		id := r.CaseID
		if i == len(rows)-1 && len(rows) > 2 {
			// The last family stays enrolled, waiting for its diagnosis.
			break
		}
		if _, err := a.Delivery.Transition(ctx, id, delivery.StateOpen, delivery.StateDiagnosis, "", ""); err != nil {
			return err
		}
		if i == len(rows)-2 && len(rows) > 3 {
			// One family drops out: its reservation goes back to the envelope.
			if _, err := a.Delivery.Transition(ctx, id, delivery.StateDiagnosis, delivery.StateExited, delivery.ExitDropped, "se cambió de comuna"); err != nil {
				return err
			}
			continue
		}
		m, err := a.Delivery.CaseMethodology(ctx, id)
		if err != nil {
			return err
		}
		var marks []delivery.Mark
		for _, d := range m.Dimensions {
			for _, c := range d.Conditions {
				marks = append(marks, delivery.Mark{Condition: c.Code, Status: delivery.NotMet, Evidence: "visita domiciliaria"})
			}
		}
		if err := a.Delivery.RecordDiagnosis(ctx, id, delivery.PhaseEntry, marks); err != nil {
			return err
		}
		if _, err := a.Delivery.Transition(ctx, id, delivery.StateDiagnosis, delivery.StateIntervention, "", ""); err != nil {
			return err
		}
		// The business plan waits for the training passed (the
		// methodology's gate): the family takes its course first.
		if err := demoPassTraining(ctx, a, id, today); err != nil {
			return err
		}
		budget := plans[i%len(plans)]
		p, err := a.Delivery.ProposePlan(ctx, id, delivery.Plan{Kind: delivery.PlanBusiness, Goal: "Emprendimiento de la familia", Budget: budget,
			Actions: []delivery.PlanAction{{Action: "Cotizar con tres proveedores", Who: "Participante", By: today.AddDate(0, 1, 0).Format(time.DateOnly)}}})
		if demoGated(err) {
			continue // its training is not passed yet: no money moves
		} else if err != nil {
			return err
		}
		if _, err := a.Delivery.DecidePlan(admin, p.ID, true, "Plan coherente con el diagnóstico"); demoGated(err) {
			continue // its training is not passed yet: no money moves
		} else if err != nil {
			return err
		}
		if i == 0 {
			continue // approved, its first tranche not ordered yet
		}
		if i == 1 {
			late = append(late, id) // ordered after the first payment run
			continue
		}
		y, err := a.Funds.OrderTranche(fin, id, funds.OrderInput{Seq: 1})
		if err != nil {
			return err
		}
		firsts = append(firsts, first{i, id, y, budget})
	}
	// The first tranches and an agency's first milestone leave through a
	// payment run: prepared by finanzas, approved by tesoreria, its batch
	// file written and the bank's result file imported (the agency's
	// account was closed: rejected, then re-issued to the right account).
	if err := demoPayRuns(ctx, a, today); err != nil {
		return err
	}
	for _, id := range late {
		if _, err := a.Funds.OrderTranche(fin, id, funds.OrderInput{Seq: 1}); err != nil {
			return err
		}
	}
	for _, f := range firsts {
		i, id, y, budget := f.i, f.id, f.y, f.budget
		// Receipts for the first tranche's purchases, by the agency's staff.
		paid := y.Amount
		for k, line := range budget {
			amount := min(line.AmountCLP*7/10, paid)
			if amount <= 0 {
				break
			}
			if k == len(budget)-1 {
				switch i % 3 {
				case 0:
					continue // this purchase is not justified yet
				case 2:
					amount = line.AmountCLP + 10_000 // over the line: held for review
				}
			}
			in := funds.ReceiptInput{DocType: "factura", DocNumber: fmt.Sprintf("%d%03d", 1000+i, k+1), SupplierRUT: demoSuppliers[rng.IntN(len(demoSuppliers))],
				IssuedOn: today.Format(time.DateOnly), Amount: amount, PlanLine: k + 1, FileName: fmt.Sprintf("factura-%d-%d.png", id, k+1),
				File: bytes.NewReader(receiptFile)}
			rc, err := a.Funds.AddReceipt(admin, id, in)
			if err != nil {
				return err
			}
			if rc.Status == funds.ReceiptAccepted {
				paid -= amount
			}
		}
		if i%4 == 3 {
			// A purchase outside the plan, held for review.
			in := funds.ReceiptInput{DocType: "boleta", DocNumber: fmt.Sprintf("B%d", 500+i), SupplierRUT: demoSuppliers[0], IssuedOn: today.Format(time.DateOnly),
				Amount: 25_000, PlanLine: 0, FileName: "boleta.png", File: bytes.NewReader(receiptFile)}
			if _, err := a.Funds.AddReceipt(admin, id, in); err != nil {
				return err
			}
		}
		if pm, err := a.Funds.Participant(fin, id, today); err == nil && pm.Money.Paid == 0 && len(pm.Tranches) > 1 && pm.Tranches[1].Ready {
			// Everything justified: the second tranche is ordered, for the
			// next payment run.
			if _, err := a.Funds.OrderTranche(fin, id, funds.OrderInput{Seq: 2}); err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
	}
	if err := demoEnvelopes(fin, a, rng); err != nil {
		return err
	}
	fmt.Fprintf(a.Stdout, "funds: the %d budget law, %d participants' money (reserved, committed, paid, justified; /funds, a case's money; sign in as finanzas)\n",
		today.Year(), len(rows))
	return nil
}

// demoSuppliers are suppliers' RUTs (valid check digits).
var demoSuppliers = []string{"76.086.428-5", "96.792.430-K", "77.261.280-K", "76.354.771-K"}

// demoEnvelopes gives every other region a year of execution: an envelope
// per line and region, with the money reserved, committed, paid and
// justified in aggregate movements (ref "demo"), as a region's calls would.
func demoEnvelopes(fin context.Context, a *App, rng *rand.Rand) error {
	year := time.Now().UTC().Year()
	for _, r := range a.Territory.Regions {
		if r.Code == "13" {
			continue
		}
		for _, l := range demoBudgetLines[:2] {
			units := int64(l.units/3) * 2 / 3
			call := fmt.Sprintf("demo-%s-%s-%d", l.line, r.Code, year)
			if _, err := a.Funds.Allocate(fin, funds.Key{Year: year, Line: l.line, Region: r.Code}, call, units*l.unit, "envelope of the call"); err != nil {
				return err
			}
			reserved := units * l.unit * int64(80+rng.IntN(20)) / 100
			committed := reserved * int64(60+rng.IntN(30)) / 100
			paid := committed * int64(40+rng.IntN(40)) / 100
			justified := paid * int64(30+rng.IntN(50)) / 100
			for _, m := range []struct {
				kind   funds.Kind
				amount int64
			}{{funds.KindReserve, reserved}, {funds.KindCommit, committed}, {funds.KindOrder, paid}, {funds.KindConfirm, paid}, {funds.KindJustify, justified}} {
				if m.amount <= 0 {
					continue
				}
				if _, err := a.Funds.Move(fin, call, m.kind, m.amount, "demo", "the region's year in aggregate (demo)"); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// demoReceiptImage is a small PNG standing for a scanned receipt.
func demoReceiptImage() []byte {
	img := image.NewGray(image.Rect(0, 0, 48, 64))
	for y := 0; y < 64; y++ {
		for x := 0; x < 48; x++ {
			c := uint8(250)
			if y%8 == 4 && x > 4 && x < 44 {
				c = 90
			}
			img.SetGray(x, y, color.Gray{Y: c})
		}
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}

// demoPassTraining gives case id a course of its line's training in its
// commune, six sessions of five hours all attended, so that its plan may
// be approved.
func demoPassTraining(ctx context.Context, a *App, id int64, today time.Time) error {
	c, err := a.Delivery.Case(ctx, id)
	if err != nil {
		return err
	}
	agency := c.Agency
	if agency == "" {
		agency = "ong-demo" // the demo's executing agency (demo_programs.go)
	}
	start := today.AddDate(0, -2, 0)
	course, err := a.Delivery.CreateCourse(ctx, delivery.CourseInput{Line: c.Line, Agency: agency, Commune: c.Commune,
		Title: "Curso de gestión de negocios", StartsOn: start.Format(time.DateOnly), EndsOn: today.Format(time.DateOnly)})
	if err != nil {
		return err
	}
	if _, err := a.Delivery.EnrolInCourse(ctx, course.ID, []int64{id}); err != nil {
		return err
	}
	for k := range 6 {
		cs, err := a.Delivery.AddCourseSession(ctx, course.ID, start.AddDate(0, 0, 7*k).Format(time.DateOnly), 300, "Módulo "+strconv.Itoa(k+1))
		if err != nil {
			return err
		}
		if _, err := a.Delivery.SaveAttendance(ctx, cs.ID, cs.Version, []delivery.AttendanceMark{{CaseID: id, Present: true}}); err != nil {
			return err
		}
	}
	return nil
}

// demoGated reports a refusal of the delivery slice's gates (a plan whose
// required training is not passed yet).
func demoGated(err error) bool {
	fe, ok := err.(*fosis.Error)
	return ok && fe.Key == "delivery.err.gate"
}
