package web

import (
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/delivery"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/portal"
	"github.com/fosis/fosis/internal/programs"
	"github.com/fosis/fosis/internal/registry"
)

func init() {
	keyPrefixes = append(keyPrefixes, "portal2")
	h := &portal.Household{Self: 0, H: &registry.HouseholdView{ID: "H0000001", CommuneName: "Ñuñoa", RegionName: "Región Metropolitana de Santiago",
		Members: []registry.PersonView{{Name: "Ana Rojas Díaz", RUN: "12345678-5", Relation: "head", Age: 41}}}}
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	// A person's correction (no changes, evidence by code) in the staff's queue.
	srv, err := New(Config{})
	if err != nil {
		panic(err)
	}
	own := []registry.ChangeRequest{{ID: 9, HouseholdID: "H0000001", Kind: "rectify", State: "submitted", Reason: "Mi apellido es Díaz",
		Evidence: "portal evidence ABCD-EFGH-JKMN: cedula.pdf (1234 bytes)", Maker: "citizen:12345678", MakerRole: "citizen", SubmittedAt: at,
		Changes: registry.ChangeSet{Household: []registry.FieldChange{}, Members: []registry.MemberChange{}, Add: []registry.MemberValues{}, Remove: []string{}}}}
	rosa := &auth.Principal{Username: "rosa", Role: auth.RoleRegional, RegionCode: "13"}
	queue := queueData{State: "submitted", States: registry.ChangeStates, Decide: true, Items: srv.changeItems("es", rosa, own),
		Page: &registry.Page[registry.ChangeRequest]{Items: own}}
	moreTemplateCases = append(moreTemplateCases,
		templateCase{"changes", queue, `Mi apellido es Díaz`},
		templateCase{"portal", &portalData{Enabled: true, SignedIn: true, Household: h, Corrected: true, Corrections: []registry.ChangeRequest{
			{ID: 7, State: registry.StateRejected, Reason: "Mi hija ya no vive conmigo", SubmittedAt: at, Comment: "Falta el certificado"},
			{ID: 8, State: registry.StateSubmitted, Reason: "Mi nombre", SubmittedAt: at}}}, `id="portal-corrections"`},
		templateCase{"portal", &portalData{Enabled: true, SignedIn: true, Household: h}, `id="portal-no-corrections"`},
		templateCase{"portal_correction", &portalCorrectionData{}, `id="correction-form"`},
		templateCase{"portal_correction", &portalCorrectionData{What: "", Error: &fosis.Error{Code: fosis.EINVALID, Key: "portal2.err.what_required",
			Fields: []fosis.FieldError{fosis.KeyedField("what", "portal2.err.what_required", "say what is wrong in your household's data")}}}, `id="what-err"`},
		templateCase{"portal_correction", &portalCorrectionData{What: "x", Error: fosis.KeyedErrorf(fosis.ECONFLICT, "portal2.err.too_many_open", "you already have %d corrections waiting; wait for an answer before asking again", 5)}, `id="correction-error"`},
		templateCase{"portal_applications", &portalApplicationsData{Withdrawn: "semilla-2026", Applications: []programs.Application{{ID: 4, Call: "semilla-2026", Status: programs.AppSubmitted, SubmittedAt: at}}}, `id="withdraw-4"`},
		templateCase{"portal_applications", &portalApplicationsData{Error: fosis.KeyedErrorf(fosis.ECONFLICT, "portal2.err.withdraw_state", "application %d can no longer be withdrawn here; ask the office", 4)}, `id="withdraw-error"`},
		templateCase{"portal_programme", &portalProgrammeData{Cases: []delivery.CitizenCase{{ID: 3, Line: "puente", State: "in_intervention", OpenedOn: "2026-10-01",
			Next: []delivery.CitizenSession{{On: "2026-12-20", Kind: "home", Component: "home", Minutes: 60}}, Goal: "Amasandería",
			Actions: []delivery.PlanAction{{Action: "Cotizar el horno", Who: "Participante", By: "2027-01-15"}}}}}, `id="case-3-actions"`},
		templateCase{"portal_programme", &portalProgrammeData{Cases: []delivery.CitizenCase{{ID: 4, Line: "puente", State: "open", OpenedOn: "2026-10-01"}}}, `id="case-4-next"`},
		templateCase{"portal_programme", &portalProgrammeData{}, `id="portal-no-programme"`},
	)
}
