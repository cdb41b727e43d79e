package web

import (
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/registry"
	"github.com/fosis/fosis/internal/targeting"
)

type communeData struct {
	Code, Name, RegionName string
	After                  int64 // the cursor this page starts after (0 on the first page)
	Page                   *registry.Page[registry.HouseholdView]
	Filter                 registry.ListFilter
	FilterQuery            template.URL // the filter as a query string ("" for none), for the paging links
	Errors                 map[string]string
	Run                    *targeting.Run  // the latest run; nil before the first
	Brackets               map[int64]uint8 // key → bracket in Run (0: not scored in it)
	Tenures                []string
	AllBrackets            []uint8
}

// Filtered reports whether a filter is applied.
func (d communeData) Filtered() bool { return !d.Filter.IsZero() }

// HasBracket reports whether the filter keeps bracket b.
func (d communeData) HasBracket(b uint8) bool { return slices.Contains(d.Filter.Brackets, int(b)) }

// communePicked is where the home page's commune picker submits: it goes to
// the chosen commune's page.
func (s *Server) communePicked(w http.ResponseWriter, r *http.Request) {
	code := strings.TrimSpace(r.URL.Query().Get("code"))
	if code == "" {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/communes/"+url.PathEscape(code), http.StatusSeeOther)
}

// commune lists a commune's households, a page at a time (keyset: ?after=
// is the next cursor of the page before). A commune outside the user's
// territory is not found, exactly like a code that is no commune.
func (s *Server) commune(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	var after int64
	if a := q.Get("after"); a != "" {
		n, err := strconv.ParseInt(a, 10, 64)
		if err != nil || n < 0 {
			s.fail(w, r, fosis.Errorf(fosis.EINVALID, "after: not a cursor"))
			return
		}
		after = n
	}
	code := r.PathValue("code")
	d := communeData{Code: code, After: after, Tenures: registry.Tenure.Words[1:], AllBrackets: targeting.Brackets(),
		Page: &registry.Page[registry.HouseholdView]{Items: []registry.HouseholdView{}}}
	terr := s.cfg.Registry.Territory()
	ci, ok := terr.CommuneIndex(code)
	if ok {
		d.Name = terr.Communes[ci].Name
		d.RegionName = terr.Regions[terr.CommuneRegion(ci)].Name
	}
	run, err := s.cfg.Targeting.Run(ctx, "latest")
	switch fosis.ErrorCode(err) {
	case "":
		d.Run = run
	case fosis.ENOTFOUND: // no run yet: no bracket column, no bracket filter
	default:
		s.fail(w, r, err)
		return
	}
	status := http.StatusOK
	d.Filter, err = registry.ParseListFilter(q)
	if err == nil && d.Run != nil && d.Filter.Run == 0 {
		d.Filter.Run = d.Run.ID
	}
	if err == nil && d.Filter.Run != 0 && (d.Run == nil || d.Filter.Run != d.Run.ID) {
		// Another run than the latest: its brackets, in the column too.
		if d.Run, err = s.cfg.Targeting.Run(ctx, strconv.FormatInt(d.Filter.Run, 10)); fosis.ErrorCode(err) == fosis.ENOTFOUND {
			err = &fosis.Error{Code: fosis.EINVALID, Message: "no such run", Fields: []fosis.FieldError{fosis.KeyedField("run", "registry.filter.no_run", "no such run")}}
		}
	}
	if err == nil {
		d.Page, err = s.cfg.Registry.ListCommune(ctx, code, d.Filter, after, s.pageSize())
	}
	// A bad filter: the page again, with what is wrong next to the field (a
	// commune out of scope is refused before the filter is looked at).
	if e, ok := err.(*fosis.Error); ok && e.Code == fosis.EINVALID && len(e.Fields) > 0 {
		d.Errors, status = map[string]string{}, fosis.HTTPStatus(fosis.EINVALID)
		for _, f := range e.Fields {
			d.Errors[f.Field] = s.msgs.Say(viewerOf(ctx).lang, f.Phrase())
		}
		d.Page = &registry.Page[registry.HouseholdView]{Items: []registry.HouseholdView{}}
	} else if err != nil {
		s.fail(w, r, err)
		return
	}
	if fq := d.Filter.Query(); len(fq) > 0 && d.Errors == nil {
		d.FilterQuery = template.URL(fq.Encode()) // encoded by url.Values: safe in a link
	}
	if d.Run != nil && len(d.Page.Items) > 0 {
		d.Brackets = map[int64]uint8{}
		for _, h := range d.Page.Items {
			res, err := s.cfg.Targeting.Result(ctx, d.Run.ID, h.Key)
			switch fosis.ErrorCode(err) {
			case "":
				d.Brackets[h.Key] = res.Bracket
			case fosis.ENOTFOUND: // added after the run
			default:
				s.fail(w, r, err)
				return
			}
		}
	}
	s.render(w, r, status, "commune", d)
}
