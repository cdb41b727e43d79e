package delivery

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/db"
)

// Good is one line of goods or works delivered to a family: a housing
// solution, beds, a garden technology, the goods of a seed capital.
type Good struct {
	ID          int64  `json:"id"`
	CaseID      int64  `json:"case_id"`
	Component   string `json:"component"`
	Item        string `json:"item"`
	Quantity    int    `json:"quantity"`
	UnitCostCLP int64  `json:"unit_cost_clp"`
	TotalCLP    int64  `json:"total_clp"`
	ReceivedOn  string `json:"received_on"`
	ReceivedBy  string `json:"received_by"`
	Notes       string `json:"notes,omitempty"`
	RecordedBy  string `json:"recorded_by"`
}

// Goods is what a case received, and its total in whole pesos.
type Goods struct {
	Items    []Good `json:"items"`
	TotalCLP int64  `json:"total_clp"`
}

// maxQuantity bounds one line's quantity.
const maxQuantity = 100_000

// lockCase takes case id's row lock on PostgreSQL, for decisions that read
// the case's other rows (a gate); SQLite's writer already serialises them.
func lockCase(ctx context.Context, tx *db.Tx, id int64) error {
	if tx.DB().Engine != db.Postgres {
		return nil
	}
	var x int64
	return tx.QueryRowContext(ctx, `SELECT id FROM delivery_cases WHERE id = ? FOR UPDATE`, id).Scan(&x)
}

// RecordGood records goods or works delivered to a case in intervention or
// closing, under a deliveries component of its methodology (Component ""
// is the first) whose gate is open: a Yo Emprendo Semilla seed capital's
// goods wait for the training passed and the business plan approved.
func (s *Store) RecordGood(ctx context.Context, caseID int64, in Good) (*Good, error) {
	r, err := s.writer(ctx)
	if err != nil {
		return nil, err
	}
	in.Item, in.ReceivedBy, in.Notes, in.Component = clean(in.Item), clean(in.ReceivedBy), strings.TrimSpace(in.Notes), strings.TrimSpace(in.Component)
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		c, err := s.caseFor(ctx, tx, r, caseID)
		if err != nil {
			return err
		}
		if err := lockCase(ctx, tx, caseID); err != nil {
			return err
		}
		m, err := s.methodologyByID(ctx, tx, c.MethodologyID)
		if err != nil {
			return err
		}
		var comp *Component
		for i := range m.Components {
			if k := &m.Components[i]; k.Kind == KindDeliveries && (in.Component == "" || in.Component == k.Key) && comp == nil {
				comp = k
			}
		}
		var bad []fosis.FieldError
		if comp == nil {
			bad = append(bad, field("component", "delivery.err.no_deliveries", in.Component, c.Line))
		}
		if in.Item == "" {
			bad = append(bad, field("item", "delivery.err.required"))
		}
		if in.Quantity < 1 || in.Quantity > maxQuantity {
			bad = append(bad, field("quantity", "delivery.err.bad_quantity", in.Quantity, maxQuantity))
		}
		if in.UnitCostCLP < 0 {
			bad = append(bad, field("unit_cost_clp", "delivery.err.bad_cost"))
		}
		on, err := time.Parse(time.DateOnly, strings.TrimSpace(in.ReceivedOn))
		if err != nil {
			bad = append(bad, field("received_on", "delivery.err.bad_date", in.ReceivedOn))
		} else if on.After(s.today()) {
			bad = append(bad, field("received_on", "delivery.err.goods_future_date", in.ReceivedOn))
		}
		if in.ReceivedBy == "" {
			bad = append(bad, field("received_by", "delivery.err.required"))
		}
		if utf8Len(in.Notes) > maxNotes {
			bad = append(bad, field("notes", "delivery.err.notes_long", maxNotes))
		}
		if len(bad) > 0 {
			return invalid("delivery.err.invalid_good", bad)
		}
		if c.State != StateIntervention && c.State != StateClosing {
			return refuse(fosis.ECONFLICT, "delivery.err.goods_state", stateTerm(c.State))
		}
		if err := gate(ctx, tx, c, m, comp.Key); err != nil {
			return err
		}
		d := tx.DB()
		in.Component, in.CaseID, in.RecordedBy, in.TotalCLP = comp.Key, caseID, r.p.Username, int64(in.Quantity)*in.UnitCostCLP
		in.ReceivedOn = on.Format(time.DateOnly)
		in.ID, err = tx.InsertID(ctx, `INSERT INTO delivery_goods (case_id, component, item, quantity, unit_cost_clp, received_on, received_by, notes, recorded_at, recorded_by)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, caseID, comp.Key, in.Item, in.Quantity, in.UnitCostCLP, d.Date(on), in.ReceivedBy, in.Notes, d.Time(tx.Now), r.p.Username)
		if err != nil {
			return err
		}
		if err := event(ctx, tx, r, caseID, "delivery", "", "", fmt.Sprintf("%d × %s, %s, received %s by %s", in.Quantity, in.Item, fosis.Pesos(in.TotalCLP), in.ReceivedOn, in.ReceivedBy)); err != nil {
			return err
		}
		return record(ctx, tx, r, "case.delivery", "case", itoa(caseID), nil, in)
	})
	if err != nil {
		return nil, err
	}
	return &in, nil
}

// CaseGoods lists what a case received, oldest first, with the total.
func (s *Store) CaseGoods(ctx context.Context, caseID int64) (*Goods, error) {
	r, err := s.access(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.caseFor(ctx, s.db, r, caseID); err != nil {
		return nil, err
	}
	items, err := db.Collect(ctx, s.db, func(rows *sql.Rows) (Good, error) {
		var g Good
		var on db.Day
		err := rows.Scan(&g.ID, &g.CaseID, &g.Component, &g.Item, &g.Quantity, &g.UnitCostCLP, &on, &g.ReceivedBy, &g.Notes, &g.RecordedBy)
		g.ReceivedOn, g.TotalCLP = on.Format(time.DateOnly), int64(g.Quantity)*g.UnitCostCLP
		return g, err
	}, `SELECT id, case_id, component, item, quantity, unit_cost_clp, received_on, received_by, notes, recorded_by FROM delivery_goods WHERE case_id = ? ORDER BY received_on, id`, caseID)
	if err != nil {
		return nil, err
	}
	out := &Goods{Items: items}
	for _, g := range items {
		out.TotalCLP += g.TotalCLP
	}
	return out, nil
}

func utf8Len(s string) int { return len([]rune(s)) }
