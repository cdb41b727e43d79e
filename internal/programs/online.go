package programs

import (
	"context"
	"database/sql"
	"net/mail"
	"strings"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/platform/rut"
)

// ChannelOnline is an application a person made themselves in the citizen
// portal (internal/portal).
const ChannelOnline = "online"

// ConsentVersion names the text of the data-processing consent a person
// accepts when applying online (the portal shows it; Ley 21.719): a new
// text gets a new version, and each application keeps the one accepted.
const ConsentVersion = "2026-12"

// OnlineApplication is what a person gives when applying online.
type OnlineApplication struct {
	// Consent is the explicit consent to the processing of their data for
	// the call's selection and follow-up; without it nothing is stored.
	Consent bool   `json:"consent"`
	Phone   string `json:"phone"`
	Email   string `json:"email"`
}

// CallCheck is an open call as a person sees it: whether they could apply
// and why not, and their application if they already made one.
type CallCheck struct {
	Call    Call         `json:"call"`
	Check   Application  `json:"check"` // the evaluation, not stored
	Applied *Application `json:"applied,omitempty"`
}

// citizenOf returns the portal's person, refusing anyone else.
func citizenOf(ctx context.Context) (*auth.Principal, error) {
	p := auth.FromContext(ctx)
	if p == nil {
		return nil, refuse(fosis.EUNAUTHORIZED, "programs.err.sign_in")
	}
	if p.Role != auth.RoleCitizen || p.PersonKey <= 0 {
		return nil, fosis.KeyedErrorf(fosis.EFORBIDDEN, "portal.err.citizens_only", "the portal is for people signed in with their own identity")
	}
	return p, nil
}

// onBehalf is the context the portal's reads run in: the person's own
// household only is read (by their national ID), with the system's reach.
func onBehalf(ctx context.Context) context.Context {
	return auth.WithPrincipal(ctx, auth.System())
}

// OpenCallsFor lists the open calls that take applications in the person's
// commune, each with their eligibility evaluated as a selection would (the
// rules that fail, by name in both languages) and their application if
// they made one.
func (s *Store) OpenCallsFor(ctx context.Context) ([]CallCheck, error) {
	p, err := citizenOf(ctx)
	if err != nil {
		return nil, err
	}
	sys := onBehalf(ctx)
	v, err := s.who(sys)
	if err != nil {
		return nil, err
	}
	calls, err := s.Calls(sys)
	if err != nil {
		return nil, err
	}
	mine, err := s.MyApplications(ctx)
	if err != nil {
		return nil, err
	}
	var out []CallCheck
	for i := range calls {
		c := &calls[i]
		if c.Status != StatusOpen || c.Invitation {
			continue
		}
		full, err := s.Call(sys, c.Code)
		if err != nil {
			return nil, err
		}
		pr, err := s.prepare(sys, v, full, ApplyInput{RUN: rut.Format(p.PersonKey), Channel: ChannelOnline}, time.Now())
		if fosis.ErrorCode(err) == fosis.EINVALID || fosis.ErrorCode(err) == fosis.ENOTFOUND {
			continue // not in the call's territory (or not in the registry)
		}
		if err != nil {
			return nil, err
		}
		cc := CallCheck{Call: *c, Check: pr.a}
		for j := range mine {
			if mine[j].Call == c.Code {
				cc.Applied = &mine[j]
			}
		}
		out = append(out, cc)
	}
	return out, nil
}

// ApplyOnline makes the person's application to open call ref: with their
// consent and at least one way to reach them; evaluated and stored as every
// application is, with the consent beside it, in one transaction. One
// application per call (a second is a conflict).
func (s *Store) ApplyOnline(ctx context.Context, ref string, in OnlineApplication) (*Application, error) {
	p, err := citizenOf(ctx)
	if err != nil {
		return nil, err
	}
	in.Phone, in.Email = strings.TrimSpace(in.Phone), strings.TrimSpace(in.Email)
	var fields []fosis.FieldError
	if !in.Consent {
		fields = append(fields, fosis.KeyedField("consent", "programs.err.online.consent", "accept the processing of your data to apply"))
	}
	if in.Phone == "" && in.Email == "" {
		fields = append(fields, fosis.KeyedField("phone", "programs.err.online.contact", "give a phone number or an e-mail address so that we can reach you"))
	}
	if in.Email != "" {
		if a, err := mail.ParseAddress(in.Email); err != nil || a.Address != in.Email {
			fields = append(fields, fosis.KeyedField("email", "programs.err.online.email", "%q is not an e-mail address", in.Email))
		}
	}
	if in.Phone != "" && !phoneOK(in.Phone) {
		fields = append(fields, fosis.KeyedField("phone", "programs.err.online.phone", "%q is not a phone number (digits, spaces and +)", in.Phone))
	}
	if len(fields) > 0 {
		return nil, &fosis.Error{Code: fosis.EINVALID, Message: fields[0].Field + ": " + fields[0].Message, Fields: fields, Key: fields[0].Key, Args: fields[0].Args}
	}
	// The call must be open and take applications, as for staff
	// (applyCall); the person's reach is their own household (prepare is
	// given their national ID only).
	sys := onBehalf(ctx)
	v, c, err := s.applyCall(sys, ref)
	if err != nil {
		return nil, err
	}
	pr, err := s.prepare(sys, v, c, ApplyInput{RUN: rut.Format(p.PersonKey), Channel: ChannelOnline}, time.Now())
	if err != nil {
		return nil, err
	}
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		if err := s.insert(ctx, tx, c, []*prepared{pr}); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO application_consents (application, consent_version, consented_at, phone, email) VALUES (?, ?, ?, ?, ?)`,
			pr.a.ID, ConsentVersion, tx.DB().Time(tx.Now), in.Phone, in.Email)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &pr.a, nil
}

// phoneOK accepts digits with spaces, hyphens, parentheses and a leading +.
func phoneOK(s string) bool {
	digits := 0
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' && i == 0, r == ' ', r == '-', r == '(', r == ')':
		default:
			return false
		}
	}
	return digits >= 8 && digits <= 15
}

// MyApplications lists the person's applications (as applicant, or for
// their household), newest first, with their state and decision trace.
func (s *Store) MyApplications(ctx context.Context) ([]Application, error) {
	p, err := citizenOf(ctx)
	if err != nil {
		return nil, err
	}
	// The person's own applications, and their household's (a household
	// call's applicant is the household, whoever applied for it).
	var household int64
	if f, err := s.reg.OwnHouseholdFile(ctx); err == nil {
		household = f.View().Key
	} else if fosis.ErrorCode(err) != fosis.ENOTFOUND {
		return nil, err
	}
	ids, err := db.Collect(ctx, s.db, func(rows *sql.Rows) (int64, error) {
		var id int64
		err := rows.Scan(&id)
		return id, err
	}, `SELECT id FROM applications WHERE person_run = ? OR (household = ? AND applicant = household) ORDER BY id DESC`, p.PersonKey, household)
	if err != nil {
		return nil, err
	}
	sys := onBehalf(ctx)
	out := []Application{}
	for _, id := range ids {
		a, err := s.Application(sys, id)
		if err != nil {
			return nil, err
		}
		out = append(out, *a)
	}
	return out, nil
}
