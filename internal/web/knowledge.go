package web

import (
	"net/http"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/knowledge"
)

// knowledgeData is the knowledge catalogue's page: the search form and the
// results (or the whole catalogue before a search).
type knowledgeData struct {
	Q, Kind, SearchLang string
	Kinds               []string
	Searched            bool
	Entries             []knowledge.Entry
	Error               string // catalog key
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
	ctx := r.Context()
	q := r.URL.Query()
	d := knowledgeData{Q: q.Get("q"), Kind: q.Get("kind"), SearchLang: q.Get("lang"), Kinds: knowledge.Kinds}
	if d.SearchLang != "es" && d.SearchLang != "en" {
		d.SearchLang = viewerOf(ctx).lang
	}
	status := http.StatusOK
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
	s.render(w, r, status, "knowledge", d)
}
