package knowledge

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/audit"
	"github.com/fosis/fosis/internal/platform/db"
)

// PackageFormat names the file format of knowledge packages.
const PackageFormat = "fosis.knowledge-package"

// PackageVersion is the version of the format this build writes and reads.
const PackageVersion = 1

// Package is a catalogue item as shared with another deployment — a
// program's design, a methodology (the mirrored-teams method, the family
// accompaniment), an instrument (the targeting scorecard), a principle or a
// material: the item (titles, texts and design) at one version, and the
// SHA-256 of the item's canonical JSON, so that a file altered on the way
// is refused.
type Package struct {
	Format     string    `json:"format"`
	Version    int       `json:"format_version"`
	ExportedAt time.Time `json:"exported_at"`
	Exporter   string    `json:"exporter"`
	Item       Item      `json:"item"`
	SHA256     string    `json:"sha256"`
}

// digest is the SHA-256 of the item's canonical JSON, without the fields a
// receiving deployment sets (status, source).
func digest(it Item) string {
	it.Status, it.Source = "", ""
	b, _ := json.Marshal(it)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Export returns the knowledge package of item slug: its current version
// with its design, checksummed. A program travels only with its design.
func (s *Store) Export(ctx context.Context, slug string) ([]byte, error) {
	p, err := writer(ctx)
	if err != nil {
		return nil, err
	}
	e, err := s.Get(ctx, slug)
	if err != nil {
		return nil, err
	}
	it := *e.Item
	if it.Kind == "program" && it.Design == nil {
		return nil, fosis.Errorf(fosis.ECONFLICT, "%s is a program without a design; add its components before sharing it", slug)
	}
	if it.Status != "published" {
		return nil, fosis.Errorf(fosis.ECONFLICT, "%s is a draft; publish it before sharing it", slug)
	}
	it.Status, it.Source = "", ""
	pkg := Package{Format: PackageFormat, Version: PackageVersion, ExportedAt: time.Now().UTC().Truncate(time.Second), Exporter: "FOSIS", Item: it, SHA256: digest(it)}
	b, err := json.MarshalIndent(pkg, "", "  ")
	if err != nil {
		return nil, err
	}
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		_, err := audit.Append(ctx, tx, audit.Entry{Actor: p.Username, ActorRole: string(p.Role), Action: "knowledge.export", Entity: "knowledge_item",
			EntityID: slug, After: map[string]any{"version": it.Version, "sha256": pkg.SHA256}})
		return err
	})
	return append(b, '\n'), err
}

// ParsePackage reads and checks a knowledge package: its format and version,
// that it carries a valid item (a program with its design), and its
// checksum. Every problem is named.
func ParsePackage(b []byte) (*Package, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var p Package
	if err := dec.Decode(&p); err != nil {
		return nil, fosis.Errorf(fosis.EINVALID, "not a knowledge package: %v", err)
	}
	if dec.More() {
		return nil, fosis.Errorf(fosis.EINVALID, "not a knowledge package: data after the package")
	}
	switch {
	case p.Format != PackageFormat:
		return nil, fosis.Errorf(fosis.EINVALID, "format %q is not %q", p.Format, PackageFormat)
	case p.Version != PackageVersion:
		return nil, fosis.Errorf(fosis.EINVALID, "format version %d is not supported (this fosis reads version %d)", p.Version, PackageVersion)
	case !validKind(p.Item.Kind):
		return nil, fosis.Errorf(fosis.EINVALID, "the package carries a %q, which is not one of %s", p.Item.Kind, strings.Join(Kinds, ", "))
	case p.Item.Kind == "program" && p.Item.Design == nil:
		return nil, fosis.Errorf(fosis.EINVALID, "the package carries a program without its design")
	case p.Item.Version < 1:
		return nil, fosis.Errorf(fosis.EINVALID, "item version %d is not a version", p.Item.Version)
	}
	if got := digest(p.Item); got != strings.ToLower(p.SHA256) {
		return nil, fosis.Errorf(fosis.EINVALID, "checksum mismatch: the package says %s, its content hashes to %s; the file was altered or damaged", p.SHA256, got)
	}
	it := p.Item
	if err := it.validate(); err != nil {
		return nil, err
	}
	return &p, nil
}

// Import adds the item of a package to this deployment's catalogue as a
// draft to adapt, keeping its version and recording where it came from. A
// program with the same slug already here is a conflict: rename or remove
// it first (an import never overwrites local work).
func (s *Store) Import(ctx context.Context, b []byte) (*Item, error) {
	p, err := writer(ctx)
	if err != nil {
		return nil, err
	}
	pkg, err := ParsePackage(b)
	if err != nil {
		return nil, err
	}
	it := pkg.Item
	it.Status = "draft"
	it.Source = fmt.Sprintf("%s package of %s v%d, exported %s, sha256 %s", pkg.Exporter, it.Slug, it.Version, pkg.ExportedAt.Format(time.RFC3339), pkg.SHA256)
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM knowledge_items WHERE slug = ?`, it.Slug).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return fosis.Errorf(fosis.ECONFLICT, "a knowledge item %q already exists here; an import never overwrites it", it.Slug)
		}
		if _, err := save(ctx, tx, &it); err != nil {
			return err
		}
		_, err := audit.Append(ctx, tx, audit.Entry{Actor: p.Username, ActorRole: string(p.Role), Action: "knowledge.import", Entity: "knowledge_item",
			EntityID: it.Slug, After: map[string]any{"version": it.Version, "sha256": pkg.SHA256}})
		return err
	})
	if err != nil {
		return nil, err
	}
	return &it, nil
}
