package cooperation

import (
	"context"
	"database/sql"
	"net/url"
	"regexp"
	"strings"

	"github.com/fosis/fosis/internal/platform/db"
)

// Document is a document of a project, published in IATI as a
// document-link.
type Document struct {
	ID       int64  `json:"id,omitempty"`
	Title    string `json:"title"`
	Category string `json:"category"` // IATI DocumentCategory (A-codes)
	URL      string `json:"url"`
	Format   string `json:"format"` // MIME type, e.g. application/pdf
	Language string `json:"language"`
	Date     Date   `json:"date"`
}

// DocumentCategories are the IATI activity-level document categories a
// cooperation project uses.
var DocumentCategories = []string{"A01", "A02", "A03", "A04", "A05", "A06", "A07", "A08", "A09", "A10", "A11", "A12"}

var mimeRe = regexp.MustCompile(`^[a-z]+/[a-z0-9.+-]+$`)

// AddDocument records a document of the project: a title, its IATI category
// (A09 memorandum of understanding, A11 contract, A07 evaluation…), where it
// is (an http or https URL), its MIME type, language and date (not in the
// future).
func (s *Store) AddDocument(ctx context.Context, code string, d Document) (int64, error) {
	r, err := s.writer(ctx)
	if err != nil {
		return 0, err
	}
	d.Title, d.URL, d.Format = clean(d.Title), strings.TrimSpace(d.URL), strings.ToLower(strings.TrimSpace(d.Format))
	if d.Language == "" {
		d.Language = "es"
	}
	u, uerr := url.Parse(d.URL)
	switch {
	case d.Title == "":
		return 0, invalid("title", "coop.err.title.document_needs", "a document needs a title")
	case !validDocCategory(d.Category):
		return 0, invalid("category", "coop.err.category.iati_activity", "%q is not an IATI activity document category (A01–A12, e.g. A09 memorandum of understanding, A11 contract, A07 evaluation)", d.Category)
	case uerr != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return 0, invalid("url", "coop.err.url.http_https", "%q is not an http or https address", d.URL)
	case !mimeRe.MatchString(d.Format):
		return 0, invalid("format", "coop.err.format.mime_type", "%q is not a MIME type such as application/pdf", d.Format)
	case d.Language != "es" && d.Language != "en" && d.Language != "pt" && d.Language != "fr":
		return 0, invalid("language", "coop.err.language.es_en", "%q is not es, en, pt or fr", d.Language)
	}
	if err := s.notFuture("date", d.Date); err != nil {
		return 0, err
	}
	err = s.inProject(ctx, r, code, func(tx *db.Tx, p *Project) error {
		d.ID, err = tx.InsertID(ctx, `INSERT INTO coop_documents (project_id, title, category, url, format, language, doc_date, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			p.ID, d.Title, d.Category, d.URL, d.Format, d.Language, tx.DB().Date(d.Date.Time), tx.DB().Time(tx.Now))
		if err != nil {
			return err
		}
		return auditWrite(ctx, tx, r, "coop.document.add", "coop_project", p.Code, nil, d)
	})
	return d.ID, err
}

func validDocCategory(c string) bool {
	for _, x := range DocumentCategories {
		if x == c {
			return true
		}
	}
	return false
}

func (s *Store) documents(ctx context.Context, projectID int64) ([]Document, error) {
	var out []Document
	err := db.Each(ctx, s.db, func(rows *sql.Rows) error {
		var d Document
		var on db.Day
		if err := rows.Scan(&d.ID, &d.Title, &d.Category, &d.URL, &d.Format, &d.Language, &on); err != nil {
			return err
		}
		d.Date = Date{on.Time}
		out = append(out, d)
		return nil
	}, `SELECT id, title, category, url, format, language, doc_date FROM coop_documents WHERE project_id = ? ORDER BY doc_date, id`, projectID)
	if err != nil {
		return nil, err
	}
	return out, nil
}
