package scopetest

import (
	"context"
	"strconv"
	"testing"

	"github.com/fosis/fosis/internal/delivery"
)

// directoryWorld adds to each region a service of the directory in the
// calls' commune and a referral of the region's case to it; it returns
// their ids by region.
func (w *World) directoryWorld(t testing.TB, sys context.Context, caseOf map[string]string) (serviceOf, referralOf map[string]string) {
	t.Helper()
	serviceOf, referralOf = map[string]string{}, map[string]string{}
	for region, commune := range map[string]string{Own: w.OwnCommune, w.Other: w.OtherCommune} {
		v, err := w.Delivery.SaveService(sys, delivery.Service{Commune: commune, Institution: "CESFAM " + region, Name: "Inscripción",
			Dimensions: []string{"salud"}, Contact: "cesfam" + region + "@example.org", Active: true})
		if err != nil {
			t.Fatal(err)
		}
		id, err := strconv.ParseInt(caseOf[region], 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		x, err := w.Delivery.Refer(sys, id, delivery.ReferralInput{ServiceID: v.ID, Condition: "SA1", Reason: "Derivación de la región " + region})
		if err != nil {
			t.Fatal(err)
		}
		serviceOf[region], referralOf[region] = strconv.FormatInt(v.ID, 10), strconv.FormatInt(x.ID, 10)
	}
	return serviceOf, referralOf
}
