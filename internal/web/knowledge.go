package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/knowledge"
	"github.com/fosis/fosis/internal/platform/auth"
)

// knowledgeData is the knowledge catalogue's page: the search form and the
// results (or the whole catalogue before a search).
type knowledgeData struct {
	Q, Kind, SearchLang string
	Kinds               []string
	Searched            bool
	Entries             []knowledge.Entry
	Error               string // catalog key
	CanWrite            bool
	Saved               string   // the slug just saved
	SaveError           *coopErr // why the item form was refused
	Form                map[string]string
}

// Title and Summary pick an item's texts in the page's language.
func (d knowledgeData) Title(lang string, it *knowledge.Item) string {
	if lang == "en" {
		return it.TitleEN
	}
	return it.TitleES
}

// Summary is the item's summary in lang.
func (d knowledgeData) Summary(lang string, it *knowledge.Item) string {
	if lang == "en" {
		return it.SummaryEN
	}
	return it.SummaryES
}

func (s *Server) knowledgePage(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Knowledge == nil {
		s.fail(w, r, fosis.Errorf(fosis.ENOTFOUND, "the knowledge catalogue is not enabled"))
		return
	}
	q := r.URL.Query()
	d := knowledgeData{Q: q.Get("q"), Kind: q.Get("kind"), SearchLang: q.Get("lang"), Kinds: knowledge.Kinds, Saved: q.Get("saved"), Form: map[string]string{}}
	s.knowledgeRender(w, r, &d)
}

// knowledgeRender lists or searches the catalogue and renders the page.
func (s *Server) knowledgeRender(w http.ResponseWriter, r *http.Request, d *knowledgeData) {
	ctx := r.Context()
	d.CanWrite = coopWriter(auth.FromContext(ctx))
	if d.SearchLang != "es" && d.SearchLang != "en" {
		d.SearchLang = viewerOf(ctx).lang
	}
	status := http.StatusOK
	if d.SaveError != nil {
		if d.SaveError.Rule == "coop.err.invalid" {
			status = http.StatusBadRequest
		} else {
			status = http.StatusConflict
		}
	}
	if d.Q == "" {
		items, err := s.cfg.Knowledge.List(ctx)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for i := range items {
			if d.Kind == "" || items[i].Kind == d.Kind {
				d.Entries = append(d.Entries, knowledge.Entry{Item: &items[i]})
			}
		}
	} else {
		d.Searched = true
		es, err := s.cfg.Knowledge.Search(ctx, d.Q, d.SearchLang, d.Kind, 50)
		switch fosis.ErrorCode(err) {
		case "":
			d.Entries = es
		case fosis.EINVALID:
			d.Error, status = "knowledge.bad_query", http.StatusBadRequest
		default:
			s.fail(w, r, err)
			return
		}
	}
	s.render(w, r, status, "knowledge", *d)
}

// knowledgeSave adds an item to the catalogue, or a new version of it, from
// the page's form; a program's design may be given as JSON.
func (s *Server) knowledgeSave(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Knowledge == nil {
		s.fail(w, r, fosis.Errorf(fosis.ENOTFOUND, "the knowledge catalogue is not enabled"))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 256<<10)
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, fosis.Errorf(fosis.EINVALID, "bad form"))
		return
	}
	form := map[string]string{}
	for k := range r.PostForm {
		form[k] = r.PostForm.Get(k)
	}
	it := knowledge.Item{Slug: form["slug"], Kind: form["kind"], TitleES: form["title_es"], TitleEN: form["title_en"],
		SummaryES: form["summary_es"], SummaryEN: form["summary_en"], BodyES: form["body_es"], BodyEN: form["body_en"]}
	err := func() error {
		if strings.TrimSpace(form["design"]) != "" {
			dec := json.NewDecoder(strings.NewReader(form["design"]))
			dec.DisallowUnknownFields()
			it.Design = &knowledge.Design{}
			if err := dec.Decode(it.Design); err != nil {
				return &fosis.Error{Code: fosis.EINVALID, Message: "design: not valid JSON of the documented shape: " + err.Error()}
			}
		}
		_, err := s.cfg.Knowledge.Save(r.Context(), it)
		return err
	}()
	if err != nil {
		switch fosis.ErrorCode(err) {
		case fosis.EINVALID, fosis.ECONFLICT, fosis.EFORBIDDEN:
			d := knowledgeData{Kinds: knowledge.Kinds, SaveError: newCoopErr(err), Form: form}
			if fosis.ErrorCode(err) == fosis.EFORBIDDEN {
				s.fail(w, r, err)
				return
			}
			s.knowledgeRender(w, r, &d)
		default:
			s.fail(w, r, err)
		}
		return
	}
	http.Redirect(w, r, "/knowledge?saved="+url.QueryEscape(strings.TrimSpace(it.Slug)), http.StatusSeeOther)
}
