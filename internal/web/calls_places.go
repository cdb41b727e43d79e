package web

import (
	"sort"

	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/programs"
)

// placeQuota is one quota of a call in words: a commune's places, or a
// region's pool, named as the territory names it.
type placeQuota struct {
	Code, Name string
	Places     int
	Region     bool // a regional pool (every commune of the region without a quota of its own)
	Elsewhere  bool // the places of the territory the reader does not see, summed
}

// callPlaces lists a call's quotas by name: its communes, then its
// regional pools. A reader who sees only part of the country reads the
// names of the places in it; the others are summed up as one line
// (Elsewhere).
func (s *Server) callPlaces(p *auth.Principal, c *programs.Call) []placeQuota {
	terr := s.cfg.Registry.Territory()
	sees := func(region string) bool { return p == nil || p.SeesAllRegions() || p.SeesRegion(region) }
	var out []placeQuota
	elsewhere := 0
	for code, n := range c.Communes {
		q := placeQuota{Code: code, Name: code, Places: n}
		if ci, ok := terr.CommuneIndex(code); ok {
			if !sees(terr.Regions[terr.CommuneRegion(ci)].Code) {
				elsewhere += n
				continue
			}
			q.Name = terr.Communes[ci].Name
		}
		out = append(out, q)
	}
	var regions []placeQuota
	for code, n := range c.Regions {
		q := placeQuota{Code: code, Name: code, Places: n, Region: true}
		if ri, ok := terr.RegionIndex(code); ok {
			if !sees(code) {
				elsewhere += n
				continue
			}
			q.Name = terr.Regions[ri].Name
		}
		regions = append(regions, q)
	}
	byName := func(qs []placeQuota) {
		sort.Slice(qs, func(i, j int) bool { return qs[i].Name < qs[j].Name })
	}
	byName(out)
	byName(regions)
	out = append(out, regions...)
	if elsewhere > 0 {
		out = append(out, placeQuota{Places: elsewhere, Elsewhere: true})
	}
	return out
}

// percent writes a share (0.3) as a whole percentage (30).
func percent(share float64) int { return int(share*100 + 0.5) }

// reservedView is a reserved share of a call: the group's name and the
// percentage of each commune quota kept for it.
type reservedView struct {
	Name    string
	Percent int
}
