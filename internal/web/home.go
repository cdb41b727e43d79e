package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/geo"
	"github.com/fosis/fosis/internal/platform/rut"
	"github.com/fosis/fosis/internal/registry"
)

type homeData struct {
	Dash     dashboard
	Query    string
	NotFound bool
	// CheckDigit is the check digit the RUN searched for should have, when
	// its body is a RUN's and its digit is wrong ("" otherwise).
	CheckDigit string
	Regions    []communeGroup // empty for roles that do not see the registry
}

// communeGroup is one region's communes in the commune picker.
type communeGroup struct {
	Name     string
	Communes []geo.Commune
}

// newHomeData fills the commune picker with the communes of the regions the
// user sees, grouped by region, in code order.
func (s *Server) newHomeData(r *http.Request, query string, notFound bool) (homeData, error) {
	d := homeData{Query: query, NotFound: notFound}
	p := viewerOf(r.Context()).p
	var err error
	if d.Dash, err = s.newDashboard(r.Context(), p); err != nil {
		return d, err
	}
	if p == nil || !p.SeesRegistry() || s.cfg.Registry == nil {
		return d, nil
	}
	terr := s.cfg.Registry.Territory()
	for _, reg := range terr.Regions {
		if !p.SeesRegion(reg.Code) {
			continue
		}
		g := communeGroup{Name: reg.Name}
		for _, c := range terr.Communes {
			if c.RegionCode == reg.Code {
				g.Communes = append(g.Communes, c)
			}
		}
		d.Regions = append(d.Regions, g)
	}
	return d, nil
}

// homePage renders the home page with status.
func (s *Server) homePage(w http.ResponseWriter, r *http.Request, status int, query string, notFound bool) {
	d, err := s.newHomeData(r, query, notFound)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, status, "home", d)
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	s.homePage(w, r, http.StatusOK, "", false)
}

// search finds a household by a member's RUN (with or without dots and
// hyphen) or by its household id, and goes to its page; failing both, it
// searches persons by name and lists them. Households outside the user's
// territory are not found, exactly like missing ones.
func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if q == "" {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	if len(q) > 64 {
		s.homePage(w, r, fosis.HTTPStatus(fosis.ENOTFOUND), q[:64], true)
		return
	}
	ctx := r.Context()
	var h *registry.HouseholdView
	var err error = fosis.Errorf(fosis.ENOTFOUND, "not a RUN")
	_, perr := rut.Parse(q)
	if perr == nil {
		h, err = s.cfg.Registry.HouseholdOfRUN(ctx, q)
	}
	if fosis.ErrorCode(err) == fosis.ENOTFOUND {
		h, err = s.cfg.Registry.Household(ctx, q)
	}
	if up := strings.ToUpper(q); fosis.ErrorCode(err) == fosis.ENOTFOUND && up != q {
		h, err = s.cfg.Registry.Household(ctx, up) // "h0033334" is H0033334
	}
	if errors.Is(perr, rut.ErrCheckDigit) && err != nil && checkDigitOf(q) != "" {
		// A RUN whose check digit is wrong: say so, and which it should be.
		d, derr := s.newHomeData(r, q, true)
		if derr != nil {
			s.fail(w, r, derr)
			return
		}
		d.CheckDigit = checkDigitOf(q)
		s.render(w, r, fosis.HTTPStatus(fosis.ENOTFOUND), "home", d)
		return
	}
	switch fosis.ErrorCode(err) {
	case "":
		http.Redirect(w, r, "/households/"+url.PathEscape(h.ID), http.StatusSeeOther)
		return
	case fosis.ENOTFOUND:
	default:
		s.fail(w, r, err)
		return
	}
	res, err := s.cfg.Registry.SearchNames(ctx, q, s.pageSize())
	switch {
	case fosis.ErrorCode(err) == fosis.EINVALID:
		s.homePage(w, r, fosis.HTTPStatus(fosis.ENOTFOUND), q, true) // not a name either
	case err != nil:
		s.fail(w, r, err)
	case len(res.Matches) == 0:
		s.homePage(w, r, fosis.HTTPStatus(fosis.ENOTFOUND), q, true)
	default:
		s.render(w, r, http.StatusOK, "search", searchData{Query: q, Results: res})
	}
}

// searchData is the name search's page: the query and its matches.
type searchData struct {
	Query   string
	Results *registry.NameResults
}

// pageSize is the number of rows of a listing page.
func (s *Server) pageSize() int {
	if s.cfg.PageSize > 0 {
		return s.cfg.PageSize
	}
	return 50
}

// householdData is the household page's content.
