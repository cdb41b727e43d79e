package portal_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/portal"
	"github.com/fosis/fosis/internal/registry"
	"github.com/fosis/fosis/internal/registry/registrytest"
)

// TestCorrection: a person asks to correct their own household, with an
// evidence file; the request enters the staff's queue as theirs, they see
// its state, staff download the evidence; refusals are keyed.
func TestCorrection(t *testing.T) {
	d, reg := registrytest.Imported(t, 20, 2)
	sys := auth.WithPrincipal(context.Background(), auth.System())
	s := portal.NewStore(d, reg, nil, nil)
	var run int64
	var hid string
	if err := d.QueryRowContext(sys, `SELECT p.run, h.household_id FROM persons p JOIN households h ON h.id = p.household ORDER BY p.run LIMIT 1`).Scan(&run, &hid); err != nil {
		t.Fatal(err)
	}
	me := portal.Citizen(context.Background(), run)
	pdf := []byte("%PDF-1.4\n% evidence\n")
	r, err := s.RequestCorrection(me, "  Mi hija ya no vive conmigo.  ", &portal.EvidenceFile{Name: `C:\docs\certificado.pdf`, Data: pdf}, "203.0.113.9")
	if err != nil {
		t.Fatal(err)
	}
	if r.HouseholdID != hid || r.State != registry.StateSubmitted || r.Kind != registry.KindRectify || r.Reason != "Mi hija ya no vive conmigo." || !strings.Contains(r.Evidence, "certificado.pdf") {
		t.Errorf("request %+v", r)
	}
	q, err := reg.ChangeQueue(sys, "", 0, 50)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, x := range q.Items {
		found = found || (x.ID == r.ID && x.MakerRole == string(auth.RoleCitizen))
	}
	if !found {
		t.Errorf("the correction is not in the staff's queue: %+v", q.Items)
	}
	mine, err := s.Corrections(me)
	if err != nil || len(mine) != 1 || mine[0].ID != r.ID {
		t.Errorf("Corrections = %+v, %v", mine, err)
	}
	// Staff in scope download the evidence by the code in the note.
	code := strings.Fields(r.Evidence)[2]
	code = strings.TrimSuffix(code, ":")
	ev, err := s.Evidence(sys, code)
	if err != nil || string(ev.Data) != string(pdf) || ev.Name != "certificado.pdf" || ev.ContentType != "application/pdf" {
		t.Errorf("Evidence(%s) = %+v, %v", code, ev, err)
	}
	// An officer of another region finds no such file.
	var region string
	if err := d.QueryRowContext(sys, `SELECT c.region_code FROM households h JOIN communes c ON c.code = h.commune_code WHERE h.household_id = ?`, hid).Scan(&region); err != nil {
		t.Fatal(err)
	}
	far := "01"
	if region == far {
		far = "02"
	}
	officer := auth.WithPrincipal(context.Background(), &auth.Principal{Username: "far", Role: auth.RoleRegional, RegionCode: far})
	if _, err := s.Evidence(officer, code); fosis.ErrorCode(err) != fosis.ENOTFOUND {
		t.Errorf("another region's officer: %v, want not found", err)
	}
	// Staff answer it as any request (the checker is not the maker).
	if got, err := reg.Decide(sys, r.ID, registry.Reject, "Falta el certificado de residencia", "10.0.0.1"); err != nil || got.State != registry.StateRejected {
		t.Errorf("rejecting the correction: %+v, %v", got, err)
	}
	if mine, err := s.Corrections(me); err != nil || len(mine) != 1 || mine[0].State != registry.StateRejected || mine[0].Comment == "" {
		t.Errorf("the person's correction after the answer: %+v, %v", mine, err)
	}
	r2, err := s.RequestCorrection(me, "Mi nombre está mal escrito", nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := reg.Decide(sys, r2.ID, registry.Approve, "", ""); err != nil || got.State != registry.StateApproved {
		t.Errorf("accepting the correction: %+v, %v", got, err)
	}
	// At most 5 of a person's corrections wait at once.
	for i := range 5 {
		if _, err := s.RequestCorrection(me, fmt.Sprintf("dato %d", i), nil, ""); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.RequestCorrection(me, "uno más", nil, ""); fosis.ErrorCode(err) != fosis.ECONFLICT {
		t.Errorf("a sixth waiting correction: %v, want a conflict", err)
	}
	// Another person sees none of it.
	var other int64
	if err := d.QueryRowContext(sys, `SELECT p.run FROM persons p JOIN households h ON h.id = p.household WHERE h.household_id <> ? ORDER BY p.run LIMIT 1`, hid).Scan(&other); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Corrections(portal.Citizen(context.Background(), other)); err != nil || len(got) != 0 {
		t.Errorf("another person's corrections: %+v, %v", got, err)
	}
	for name, c := range map[string]struct {
		ctx  context.Context
		what string
		file *portal.EvidenceFile
		key  string
	}{
		"empty":               {me, "  ", nil, "portal2.err.what_required"},
		"too long":            {me, strings.Repeat("á", 2001), nil, "portal2.err.what_too_long"},
		"not a doc":           {me, "x", &portal.EvidenceFile{Name: "a.exe", Data: []byte("MZ\x90\x00binary")}, "portal2.err.evidence_type"},
		"staff":               {sys, "x", nil, "portal.err.citizens_only"},
		"not in the registry": {portal.Citizen(context.Background(), 1), "x", nil, "portal.err.not_registered"},
	} {
		_, err := s.RequestCorrection(c.ctx, c.what, c.file, "")
		var fe *fosis.Error
		if !asErr(err, &fe) || fe.Key != c.key {
			t.Errorf("%s: %v, want %s", name, err, c.key)
		}
	}
	var audited int
	if err := d.QueryRowContext(sys, `SELECT COUNT(*) FROM audit_log WHERE action IN ('change_request.submit', 'portal.evidence') AND actor IN ('system', ?)`, fmt.Sprintf("citizen:%d", run)).Scan(&audited); err != nil || audited < 2 {
		t.Errorf("audited: %d, %v", audited, err)
	}
}
