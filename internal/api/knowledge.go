package api

import (
	"io"
	"net/http"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/knowledge"
)

// knowledgeRoutes are the endpoints of the knowledge catalogue and its
// packages; the knowledge slice enforces who may read and write.
func (s *Server) knowledgeRoutes() []route {
	return []route{
		{"GET", "/api/v1/knowledge", false, handle(s.knowledgeSearch)},
		{"POST", "/api/v1/knowledge", false, handle(s.knowledgeSave)},
		{"POST", "/api/v1/knowledge/{slug}/projects", false, handle(s.knowledgeLink)},
		{"GET", "/api/v1/knowledge/{slug}", false, handle(s.knowledgeItem)},
		{"GET", "/api/v1/knowledge/{slug}/package", false, http.HandlerFunc(s.knowledgeExport)},
		{"POST", "/api/v1/knowledge/packages", false, handle(s.knowledgeImport)},
	}
}

func (s *Server) knowledgeStore() (*knowledge.Store, error) {
	if s.Knowledge == nil {
		return nil, fosis.Errorf(fosis.EUNAVAILABLE, "the knowledge catalogue is not enabled on this server")
	}
	return s.Knowledge, nil
}

// KnowledgeResults is a search's answer (or the whole catalogue without q).
type KnowledgeResults struct {
	Entries []knowledge.Entry `json:"entries"`
}

func (s *Server) knowledgeSearch(r *http.Request) (any, error) {
	k, err := s.knowledgeStore()
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	if q.Get("q") == "" {
		items, err := k.List(r.Context())
		if err != nil {
			return nil, err
		}
		out := KnowledgeResults{Entries: []knowledge.Entry{}}
		for i := range items {
			if kind := q.Get("kind"); kind == "" || kind == items[i].Kind {
				out.Entries = append(out.Entries, knowledge.Entry{Item: &items[i], Projects: []knowledge.ProjectLink{}})
			}
		}
		return out, nil
	}
	limit, err := limitParam(q.Get("limit"), 20, 100)
	if err != nil {
		return nil, err
	}
	l := q.Get("lang")
	if l == "" {
		l = lang(r)
	}
	es, err := k.Search(r.Context(), q.Get("q"), l, q.Get("kind"), limit)
	if err != nil {
		return nil, err
	}
	return KnowledgeResults{Entries: es}, nil
}

func (s *Server) knowledgeItem(r *http.Request) (any, error) {
	k, err := s.knowledgeStore()
	if err != nil {
		return nil, err
	}
	return k.Get(r.Context(), r.PathValue("slug"))
}

// knowledgeExport serves an item's knowledge package as a file.
func (s *Server) knowledgeExport(w http.ResponseWriter, r *http.Request) {
	k, err := s.knowledgeStore()
	if err != nil {
		writeError(w, err)
		return
	}
	b, err := k.Export(r.Context(), r.PathValue("slug"))
	if err != nil {
		writeError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+r.PathValue("slug")+`.fosis-package.json"`)
	w.Write(b)
}

func (s *Server) knowledgeImport(r *http.Request) (any, error) {
	k, err := s.knowledgeStore()
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, 4<<20+1))
	if err != nil {
		return nil, fosis.Errorf(fosis.EINVALID, "cannot read the request body: %v", err)
	}
	if len(b) > 4<<20 {
		return nil, fosis.Errorf(fosis.EINVALID, "a knowledge package is at most 4 MiB")
	}
	it, err := k.Import(r.Context(), b)
	if err != nil {
		return nil, err
	}
	return k.Get(r.Context(), it.Slug)
}

// knowledgeSave adds an item, or a new version of the one with its slug.
func (s *Server) knowledgeSave(r *http.Request) (any, error) {
	k, err := s.knowledgeStore()
	if err != nil {
		return nil, err
	}
	var it knowledge.Item
	if err := decodeBody(r, &it); err != nil {
		return nil, err
	}
	if _, err := k.Save(r.Context(), it); err != nil {
		return nil, err
	}
	return k.Get(r.Context(), it.Slug)
}

// KnowledgeLink is the body of a link from an item to a cooperation project.
type KnowledgeLink struct {
	Project string `json:"project"`
}

func (s *Server) knowledgeLink(r *http.Request) (any, error) {
	k, err := s.knowledgeStore()
	if err != nil {
		return nil, err
	}
	var l KnowledgeLink
	if err := decodeBody(r, &l); err != nil {
		return nil, err
	}
	if err := k.Link(r.Context(), r.PathValue("slug"), l.Project); err != nil {
		return nil, err
	}
	return k.Get(r.Context(), r.PathValue("slug"))
}
