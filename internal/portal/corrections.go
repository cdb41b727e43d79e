package portal

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/audit"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/registry"
)

// MaxEvidence is the largest evidence file a person may upload, in bytes.
const MaxEvidence = 5 << 20

// evidenceTypes are the kinds of file taken as evidence: a scan or a
// photo of a document.
var evidenceTypes = map[string]bool{"application/pdf": true, "image/jpeg": true, "image/png": true}

// EvidenceFile is a file a person uploads with a correction.
type EvidenceFile struct {
	Name string
	Data []byte
}

// Evidence is a stored evidence file.
type Evidence struct {
	Code        string
	Name        string
	ContentType string
	Data        []byte
}

// RequestCorrection records the person's request to correct their own
// household's data (what is wrong, in their words), with an evidence file
// if they gave one; it enters the staff's change-request queue
// (registry.Store.RequestOwnCorrection).
func (s *Store) RequestCorrection(ctx context.Context, what string, file *EvidenceFile, ip string) (*registry.ChangeRequest, error) {
	p, err := citizen(ctx)
	if err != nil {
		return nil, err
	}
	note := ""
	code := ""
	// Every error at once: the text, then the file.
	var fields []fosis.FieldError
	if strings.TrimSpace(what) == "" {
		fields = append(fields, fosis.KeyedField("what", "portal2.err.what_required", "say what is wrong in your household's data"))
	}
	ct := ""
	if file != nil && len(file.Data) > 0 {
		ct = http.DetectContentType(file.Data)
		if i := strings.IndexByte(ct, ';'); i >= 0 {
			ct = ct[:i]
		}
		switch {
		case len(file.Data) > MaxEvidence:
			fields = append(fields, fosis.KeyedField("evidence", "portal2.err.evidence_size", "the file is larger than %d MB", MaxEvidence>>20))
		case !evidenceTypes[ct]:
			fields = append(fields, fosis.KeyedField("evidence", "portal2.err.evidence_type", "the file is not a PDF, JPEG or PNG"))
		}
	}
	if len(fields) > 0 {
		return nil, &fosis.Error{Code: fosis.EINVALID, Message: fields[0].Field + ": " + fields[0].Message, Fields: fields, Key: fields[0].Key, Args: fields[0].Args}
	}
	if ct != "" {
		f, err := s.reg.OwnHouseholdFile(ctx)
		if err != nil {
			return nil, err
		}
		name := filepath.Base(filepath.Clean("/" + strings.ReplaceAll(file.Name, `\`, "/")))
		if len(name) > 200 {
			name = name[:200]
		}
		code = newCode()
		if _, err := s.db.ExecContext(ctx, `INSERT INTO portal_evidence (code, person_key, household_key, name, content_type, size, data, uploaded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			code, p.PersonKey, f.View().Key, name, ct, len(file.Data), file.Data, s.db.Time(s.now())); err != nil {
			return nil, err
		}
		note = fmt.Sprintf("portal evidence %s: %s (%d bytes)", code, name, len(file.Data))
	}
	r, err := s.reg.RequestOwnCorrection(ctx, what, note, ip)
	if err != nil && code != "" {
		s.db.ExecContext(ctx, `DELETE FROM portal_evidence WHERE code = ?`, code)
	}
	return r, err
}

// Corrections lists the person's correction requests with their state.
func (s *Store) Corrections(ctx context.Context) ([]registry.ChangeRequest, error) {
	if _, err := citizen(ctx); err != nil {
		return nil, err
	}
	return s.reg.OwnCorrections(ctx)
}

// Evidence returns an evidence file for staff who see its household
// (out of their territory it is not found); every download is audited.
func (s *Store) Evidence(ctx context.Context, code string) (*Evidence, error) {
	code = strings.ToUpper(strings.TrimSpace(code))
	e := &Evidence{Code: code}
	var key int64
	err := s.db.QueryRowContext(ctx, `SELECT household_key, name, content_type, data FROM portal_evidence WHERE code = ?`, code).
		Scan(&key, &e.Name, &e.ContentType, &e.Data)
	missing := fosis.KeyedErrorf(fosis.ENOTFOUND, "portal2.err.no_evidence", "no evidence file has the code %s", code)
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
	return e, s.db.Transact(ctx, func(tx *db.Tx) error {
		p := auth.FromContext(ctx)
		_, err := audit.Append(ctx, tx, audit.Entry{Actor: p.Username, ActorRole: string(p.Role), Action: "portal.evidence", Entity: "portal_evidence", EntityID: code})
		return err
	})
}
