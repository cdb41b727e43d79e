package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/delivery"
	"github.com/fosis/fosis/internal/platform/auth"
)

// demoCases is how many cases the demo opens.
const demoCases = 3000

// demoDelivery gives the demo cases after enrolment: an executing agency
// per region (the Metropolitan region's is ong-demo, whose coordinator is
// "ejecutor" and whose counsellors include "consejera"), counsellors with
// caseloads of up to 60, and about 3,000 cases over the last 18 months in
// every state, with sessions and diagnoses (delivery.Store.SeedDemo). It
// does nothing if cases exist.
func demoDelivery(ctx context.Context, a *App) error {
	page, err := a.Delivery.Cases(ctx, delivery.Filter{}, 0, 20)
	if err != nil || len(page.Items) > 10 {
		return err
	}
	f, err := a.Registry.LoadFrame(ctx, true)
	if err != nil {
		return err
	}
	// Households spread over the registry, and how many per region.
	stride := max(1, f.Len()/(demoCases*5/4))
	var hh []delivery.DemoHousehold
	perRegion := map[string]int{}
	for i := 0; i < f.Len(); i += stride {
		reg := a.Territory.Regions[f.Region[i]].Code
		hh = append(hh, delivery.DemoHousehold{Key: f.Key[i], ID: f.ExtID[i], Commune: a.Territory.Communes[f.Commune[i]].Code, Region: reg})
		perRegion[reg]++
	}
	sys := auth.System()
	var agencies []delivery.DemoAgency
	for _, r := range a.Territory.Regions {
		n := perRegion[r.Code]
		if n == 0 {
			continue
		}
		code := "ejecutor-" + r.Code
		if r.Code == "13" {
			code = "ong-demo"
		}
		if ok, err := a.Programs.AgencyExists(ctx, code); err != nil {
			return err
		} else if !ok {
			if _, err := a.Programs.CreateAgency(ctx, code, "Ejecutor "+r.ShortName); err != nil {
				return err
			}
		}
		ag := delivery.DemoAgency{Code: code, Regions: []string{r.Code}}
		supervisor := ""
		if code == "ong-demo" {
			supervisor = "ejecutor"
			if err := a.Delivery.AddCounsellor(ctx, "consejera", code, supervisor, delivery.DefaultCaseload); err != nil {
				return err
			}
			ag.Counsellors = append(ag.Counsellors, "consejera")
		}
		for k := 1; k <= (n*3/4)/45+1; k++ {
			name := fmt.Sprintf("apoyo-%s-%02d", r.Code, k)
			if _, err := a.Auth.UserByUsername(ctx, name); fosis.ErrorCode(err) == fosis.ENOTFOUND {
				if _, err := a.Auth.CreateUser(ctx, sys, auth.NewUser{Username: name, DisplayName: fmt.Sprintf("Apoyo familiar %s %d", r.ShortName, k),
					Role: auth.RoleCounsellor, Password: auth.GeneratePassword()}); err != nil {
					return err
				}
			} else if err != nil {
				return err
			}
			if err := a.Delivery.AddCounsellor(ctx, name, code, supervisor, delivery.DefaultCaseload); err != nil {
				return err
			}
			ag.Counsellors = append(ag.Counsellors, name)
		}
		agencies = append(agencies, ag)
	}
	n, err := a.Delivery.SeedDemo(ctx, hh, agencies, demoCases, time.Now().UTC(), 7)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.Stdout, "cases: %d over 18 months, with counsellors' caseloads, sessions and diagnoses (fosis cases list; /cases; sign in as consejera)\n", n)
	// The services directory of the cases' communes, and referrals
	// (delivery.Store.SeedDemoDirectory).
	names := map[string]string{}
	for _, c := range a.Territory.Communes {
		names[c.Code] = c.Name
	}
	services, referrals, err := a.Delivery.SeedDemoDirectory(ctx, names, 7)
	if err != nil {
		return err
	}
	if services > 0 {
		fmt.Fprintf(a.Stdout, "services directory: %d services in the cases' communes, %d referrals, some satisfying conditions (fosis services list; /services)\n", services, referrals)
	}
	tr, err := a.Delivery.SeedTrainingDemo(ctx, time.Now().UTC(), 11)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.Stdout, "training: %d courses with %d attendance marks, %d approved plans, %d goods delivered (/courses; fosis cases progress ID)\n",
		tr.Courses, tr.Attendance, tr.Plans, tr.Goods)
	return nil
}
