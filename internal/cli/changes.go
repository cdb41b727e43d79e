package cli

import (
	"context"
	"fmt"
	"strconv"

	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/registry"
)

// seedDemoChanges leaves one change request waiting in the demo's queue:
// the Metropolitan region's officer reports that a household in Santiago
// built a bedroom, so that another user (the analyst, or the
// administrator) can approve it and see the household's history.
func seedDemoChanges(ctx context.Context, a *App) (string, error) {
	rm := auth.WithPrincipal(ctx, &auth.Principal{Username: "regional-rm", Role: auth.RoleRegional, RegionCode: "13"})
	page, err := a.Registry.ListByCommune(rm, "13101", 0, 1)
	if err != nil || len(page.Items) == 0 {
		return "", err
	}
	h := page.Items[0]
	rooms := h.Rooms + 1
	if rooms > 50 {
		rooms = 49
	}
	_, err = a.Registry.SubmitChange(rm, h.ID, registry.ChangeInput{Kind: registry.KindUpdate,
		Reason:   "La familia construyó un dormitorio más (visita domiciliaria).",
		Evidence: "Acta de visita domiciliaria",
		Changes: registry.ChangeSet{Household: []registry.FieldChange{
			{Field: "rooms", To: strconv.Itoa(rooms)}}}}, "")
	if err != nil {
		return "", fmt.Errorf("demo change request: %w", err)
	}
	return h.ID, nil
}
