package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/cooperation"
	"github.com/fosis/fosis/internal/platform/auth"
)

// partnersData is the page of partner organisations and FOSIS professionals.
type partnersData struct {
	Orgs     []cooperation.Org
	Staff    []cooperation.Staff
	CanWrite bool
	Levels   []cooperation.Level
	Done     string // catalog key after a save
	Error    *coopErr
	Form     map[string]string
}

func (s *Server) coopPartners(w http.ResponseWriter, r *http.Request) {
	s.coopPartnersPage(w, r, http.StatusOK, &partnersData{Done: map[string]string{"org": "coop.partners.org_saved", "staff": "coop.partners.staff_saved"}[r.URL.Query().Get("done")]})
}

func (s *Server) coopPartnersPage(w http.ResponseWriter, r *http.Request, status int, d *partnersData) {
	if s.cfg.Cooperation == nil {
		s.fail(w, r, fosis.Errorf(fosis.ENOTFOUND, "cooperation is not enabled"))
		return
	}
	ctx := r.Context()
	var err error
	if d.Orgs, err = s.cfg.Cooperation.Orgs(ctx); err != nil {
		s.fail(w, r, err)
		return
	}
	d.CanWrite = coopWriter(auth.FromContext(ctx))
	if p := auth.FromContext(ctx); d.CanWrite || p.Role == auth.RoleAuditor {
		if d.Staff, err = s.cfg.Cooperation.StaffList(ctx); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	d.Levels = []cooperation.Level{cooperation.LevelAuthority, cooperation.LevelDirector, cooperation.LevelCoordinator, cooperation.LevelProfessional}
	if d.Form == nil {
		d.Form = map[string]string{}
	}
	s.render(w, r, status, "cooppartners", d)
}

// coopSavePartner saves an organisation (what=org) or a professional
// (what=staff) from the page's forms.
func (s *Server) coopSavePartner(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil || s.cfg.Cooperation == nil {
		s.fail(w, r, fosis.Errorf(fosis.EINVALID, "bad form"))
		return
	}
	form := map[string]string{}
	for k := range r.PostForm {
		form[k] = r.PostForm.Get(k)
	}
	what := r.PathValue("what")
	var err error
	switch what {
	case "org":
		var typ int64
		if typ, err = (coopForm{r}).int64("type", true); err != nil {
			break
		}
		roles := map[string]bool{}
		for _, x := range r.PostForm["role"] {
			roles[x] = true
		}
		_, err = s.cfg.Cooperation.SaveOrg(ctx, cooperation.Org{Name: r.PostFormValue("name"), Country: r.PostFormValue("country"),
			IATIRef: r.PostFormValue("iati_ref"), Type: int(typ), Strategic: roles["strategic"], Technical: roles["technical"], Financial: roles["financial"],
			Agency: r.PostFormValue("agency") == "1"})
	case "staff":
		st := cooperation.Staff{Name: r.PostFormValue("name"), Position: r.PostFormValue("position"), Level: cooperation.Level(r.PostFormValue("level"))}
		err = func() error {
			for i, line := range strings.Split(r.PostFormValue("programs"), "\n") {
				if line = strings.TrimSpace(line); line == "" {
					continue
				}
				name, role, ok := strings.Cut(line, ":")
				if !ok {
					return coopFieldErr("programs", "coop.err.form.program_line", "line %d: write NAME:designed or NAME:ran", i+1)
				}
				st.Programs = append(st.Programs, cooperation.Program{Name: name, Role: strings.TrimSpace(role)})
			}
			for i, line := range strings.Split(r.PostFormValue("availability"), "\n") {
				if line = strings.TrimSpace(line); line == "" {
					continue
				}
				parts := strings.Split(line, ":")
				share, serr := 0, error(nil)
				if len(parts) == 3 {
					share, serr = strconv.Atoi(strings.TrimSpace(parts[2]))
				}
				if len(parts) != 3 || serr != nil {
					return coopFieldErr("availability", "coop.err.form.availability_line", "line %d: write FROM:TO:PERCENT, e.g. 2026-01:2027-12:50", i+1)
				}
				st.Avail = append(st.Avail, cooperation.Availability{From: cooperation.Month(strings.TrimSpace(parts[0])), To: cooperation.Month(strings.TrimSpace(parts[1])), Share: share})
			}
			_, err := s.cfg.Cooperation.SaveStaff(ctx, st)
			return err
		}()
	default:
		s.render(w, r, http.StatusNotFound, "error", errorData{Message: "error.notfound"})
		return
	}
	if err != nil {
		switch fosis.ErrorCode(err) {
		case fosis.EINVALID, fosis.ECONFLICT, fosis.EFORBIDDEN:
			s.coopPartnersPage(w, r, statusOf(err), &partnersData{Error: newCoopErr(err), Form: form})
		default:
			s.fail(w, r, err)
		}
		return
	}
	http.Redirect(w, r, "/cooperation/partners?done="+what, http.StatusSeeOther)
}
