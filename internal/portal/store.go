package portal

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/audit"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/registry"
	"github.com/fosis/fosis/internal/targeting"
)

// Store serves a citizen their own data. Every method reads the citizen
// from the context (auth.RoleCitizen) and reaches only their household;
// every view is written to the audit trail.
type Store struct {
	db  *db.DB
	reg *registry.Store
	tgt *targeting.Store
	now func() time.Time
}

// NewStore returns the portal's store.
func NewStore(d *db.DB, reg *registry.Store, tgt *targeting.Store, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{db: d, reg: reg, tgt: tgt, now: now}
}

// Citizen returns the context of a person signed in with national ID key.
func Citizen(ctx context.Context, key int64) context.Context {
	return auth.WithPrincipal(ctx, &auth.Principal{Username: fmt.Sprintf("citizen:%d", key), Role: auth.RoleCitizen, PersonKey: key})
}

// citizen returns the caller if it is a citizen.
func citizen(ctx context.Context) (*auth.Principal, error) {
	p := auth.FromContext(ctx)
	if p == nil {
		return nil, fosis.Errorf(fosis.EUNAUTHORIZED, "sign in first")
	}
	if p.Role != auth.RoleCitizen || p.PersonKey <= 0 {
		return nil, fosis.KeyedErrorf(fosis.EFORBIDDEN, "portal.err.citizens_only", "the portal is for people signed in with their own identity")
	}
	return p, nil
}

// Household is what "My household" shows.
type Household struct {
	H *registry.HouseholdView
	// Score is the latest official result explained in plain words; nil
	// if the household was never scored.
	Score *targeting.ScoredHousehold
	// Self is the signed-in person's own row among the members.
	Self int
}

// Mine returns the citizen's household as the registry holds it, with its
// latest bracket explained in lang. Not in the registry: a keyed not-found
// the page turns into how to register.
func (s *Store) Mine(ctx context.Context, lang string) (*Household, error) {
	p, err := citizen(ctx)
	if err != nil {
		return nil, err
	}
	file, err := s.reg.OwnHouseholdFile(ctx)
	if err != nil {
		return nil, err
	}
	// The household is the citizen's own (checked by the registry above);
	// its score is read on the citizen's behalf.
	score, _, err := s.tgt.LatestOf(auth.WithPrincipal(ctx, auth.System()), file, lang)
	if err != nil {
		return nil, err
	}
	h := &Household{H: file.View(), Score: score, Self: -1}
	for i, m := range h.H.Members {
		if strings.HasPrefix(m.RUN, fmt.Sprintf("%d-", p.PersonKey)) {
			h.Self = i
		}
	}
	return h, s.audit(ctx, p, "portal.view", h.H.ID, nil)
}

func (s *Store) audit(ctx context.Context, p *auth.Principal, action, household string, after any) error {
	return s.db.Transact(ctx, func(tx *db.Tx) error {
		_, err := audit.Append(ctx, tx, audit.Entry{Actor: p.Username, ActorRole: string(p.Role), Action: action, Entity: "household", EntityID: household, After: after})
		return err
	})
}

// Statement is one issued statement.
type Statement struct {
	Code        string    `json:"code"`
	HouseholdID string    `json:"household_id"`
	RunID       int64     `json:"run_id"`
	Bracket     int       `json:"bracket"`
	Percentile  float64   `json:"percentile"`
	Members     int       `json:"members"`
	IssuedAt    time.Time `json:"issued_at"`
}

// codeAlphabet has no letters people confuse (0/O, 1/I/L).
const codeAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

func newCode() string {
	var b [12]byte
	rand.Read(b[:])
	var out strings.Builder
	for i, x := range b {
		if i > 0 && i%4 == 0 {
			out.WriteByte('-')
		}
		out.WriteByte(codeAlphabet[int(x)%len(codeAlphabet)])
	}
	return out.String()
}

// IssueStatement records a statement of the citizen's household and
// returns it with its PDF in lang.
func (s *Store) IssueStatement(ctx context.Context, lang string) (*Statement, []byte, error) {
	p, err := citizen(ctx)
	if err != nil {
		return nil, nil, err
	}
	h, err := s.Mine(ctx, lang)
	if err != nil {
		return nil, nil, err
	}
	st := &Statement{Code: newCode(), HouseholdID: h.H.ID, Members: len(h.H.Members), IssuedAt: s.now().UTC().Truncate(time.Second)}
	if h.Score != nil {
		st.RunID, st.Bracket, st.Percentile = h.Score.Run.ID, int(h.Score.Result.Bracket), h.Score.Result.Percentile
	}
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO portal_statements (code, person_key, household_key, household_id, run_id, bracket, percentile, members, issued_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			st.Code, p.PersonKey, h.H.Key, st.HouseholdID, st.RunID, st.Bracket, st.Percentile, st.Members, tx.DB().Time(st.IssuedAt)); err != nil {
			return err
		}
		_, err := audit.Append(ctx, tx, audit.Entry{Actor: p.Username, ActorRole: string(p.Role), Action: "portal.statement", Entity: "household", EntityID: st.HouseholdID, After: st})
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	pdf, err := statementPDF(h, st, lang)
	return st, pdf, err
}

// VerifyStatement returns the statement with code, for staff who see its
// household (a national role, or the household's region's officer): what
// it said when it was issued.
func (s *Store) VerifyStatement(ctx context.Context, code string) (*Statement, error) {
	code = strings.ToUpper(strings.TrimSpace(code))
	st := &Statement{Code: code}
	var key int64
	var issued db.Instant
	err := s.db.QueryRowContext(ctx, `SELECT household_key, household_id, run_id, bracket, percentile, members, issued_at FROM portal_statements WHERE code = ?`, code).
		Scan(&key, &st.HouseholdID, &st.RunID, &st.Bracket, &st.Percentile, &st.Members, &issued)
	missing := fosis.KeyedErrorf(fosis.ENOTFOUND, "portal.err.no_statement", "no statement has the code %s", code)
	if err == sql.ErrNoRows {
		return nil, missing
	}
	if err != nil {
		return nil, err
	}
	if err := s.reg.InScope(ctx, key); err != nil {
		if fosis.ErrorCode(err) == fosis.ENOTFOUND {
			return nil, missing
		}
		return nil, err
	}
	st.IssuedAt = issued.Time
	return st, nil
}

// statementPDF writes the statement: who, the household's members, the
// bracket with its explanation, and the verification code.
func statementPDF(h *Household, st *Statement, lang string) ([]byte, error) {
	w := words[lang]
	if w == nil {
		w = words["es"]
	}
	pdf := fpdf.New("P", "mm", "A4", "")
	tr := pdf.UnicodeTranslatorFromDescriptor("")
	pdf.SetTitle(tr(w["title"]), false)
	pdf.AddPage()
	pdf.SetFont("Helvetica", "B", 16)
	pdf.MultiCell(0, 8, tr(w["title"]), "", "L", false)
	pdf.SetFont("Helvetica", "", 10)
	pdf.MultiCell(0, 6, tr(fmt.Sprintf(w["issued"], st.IssuedAt.Format("2006-01-02 15:04 UTC"), st.Code)), "", "L", false)
	pdf.Ln(3)
	pdf.SetFont("Helvetica", "B", 12)
	pdf.MultiCell(0, 7, tr(fmt.Sprintf(w["household"], h.H.ID, h.H.CommuneName, h.H.RegionName)), "", "L", false)
	pdf.SetFont("Helvetica", "", 10)
	for _, m := range h.H.Members {
		pdf.MultiCell(0, 6, tr(fmt.Sprintf("%s  ·  %s  ·  %d %s", m.Name, m.RUN, m.Age, w["years"])), "", "L", false)
	}
	pdf.Ln(3)
	pdf.SetFont("Helvetica", "B", 12)
	if h.Score == nil {
		pdf.MultiCell(0, 7, tr(w["unscored"]), "", "L", false)
	} else {
		pdf.MultiCell(0, 7, tr(fmt.Sprintf(w["bracket"], h.Score.Result.Bracket, h.Score.Result.Percentile)), "", "L", false)
		pdf.SetFont("Helvetica", "", 10)
		pdf.MultiCell(0, 6, tr(fmt.Sprintf(w["run"], h.Score.Run.ID, h.Score.Run.AsOf)), "", "L", false)
		if h.Score.Summary != "" {
			pdf.Ln(2)
			pdf.MultiCell(0, 6, tr(h.Score.Summary), "", "L", false)
		}
	}
	pdf.Ln(4)
	pdf.SetFont("Helvetica", "I", 9)
	pdf.MultiCell(0, 5, tr(fmt.Sprintf(w["verify"], st.Code)), "", "L", false)
	var b bytes.Buffer
	if err := pdf.Output(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// words are the statement's texts (a PDF is not a page: its words live
// here, in both languages).
var words = map[string]map[string]string{
	"es": {
		"title":     "Certificado de Registro Social de Hogares",
		"issued":    "Emitido el %s · código de verificación %s",
		"household": "Hogar %s, %s (%s)",
		"years":     "años",
		"unscored":  "Este hogar aún no tiene una calificación oficial.",
		"bracket":   "Tramo: hasta el %d%% (percentil %.1f)",
		"run":       "Calificación oficial n.º %d, con datos al %s.",
		"verify":    "Cualquier funcionario puede verificar este certificado en fosis con el código %s (fosis portal verify).",
	},
	"en": {
		"title":     "Social Household Registry statement",
		"issued":    "Issued on %s · verification code %s",
		"household": "Household %s, %s (%s)",
		"years":     "years",
		"unscored":  "This household has no official score yet.",
		"bracket":   "Bracket: up to %d%% (percentile %.1f)",
		"run":       "Official scoring no. %d, with data as of %s.",
		"verify":    "Staff can verify this statement in fosis with the code %s (fosis portal verify).",
	},
}
