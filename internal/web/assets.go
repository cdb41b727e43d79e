package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
)

//go:embed static
var staticFS embed.FS

// assets serves the embedded static files at /static/<hash>/<name>, where
// hash is the start of the file's SHA-256: a changed file gets a new URL, so
// browsers may cache every URL for a year without asking again.
type assets struct {
	files fs.FS
	hash  map[string]string // name (e.g. "vendor/htmx/htmx.min.js") → hash
}

func loadAssets() (*assets, error) {
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, err
	}
	a := &assets{files: sub, hash: map[string]string{}}
	err = fs.WalkDir(sub, ".", func(name string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := fs.ReadFile(sub, name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		a.hash[name] = hex.EncodeToString(sum[:6])
		return nil
	})
	return a, err
}

// url returns the fingerprinted URL of a static file; an unknown name is an
// error, so a typo in a template fails the template test.
func (a *assets) url(name string) (string, error) {
	h, ok := a.hash[name]
	if !ok {
		return "", fmt.Errorf("no static file %q", name)
	}
	return "/static/" + h + "/" + name, nil
}

// ServeHTTP serves GET /static/{hash}/{name...}. A hash that is not the
// file's current one is a 404: an old page must not cache new content under
// an old URL for a year.
func (a *assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if h, ok := a.hash[name]; !ok || h != r.PathValue("hash") {
		http.NotFound(w, r)
		return
	}
	b, err := fs.ReadFile(a.files, name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	ct := mime.TypeByExtension(path.Ext(name))
	if ct == "" {
		ct = "text/plain; charset=utf-8" // LICENSE files
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Header().Set("ETag", `"`+a.hash[name]+`"`)
	if r.Header.Get("If-None-Match") == `"`+a.hash[name]+`"` {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Write(b)
}
