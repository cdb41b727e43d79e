// Package download writes a file download to an HTTP response lazily: its
// headers are set on the first write, so that a handler whose source fails
// before any data can still answer with an error (a page, or the API's JSON
// error) instead of an empty file. Pages and the API share it.
package download

import "net/http"

// Writer is an io.Writer over an HTTP response that becomes a download of
// a named file on its first write.
type Writer struct {
	w       http.ResponseWriter
	name    string
	ctype   string
	started bool
}

// CSV returns a Writer that downloads name as CSV (UTF-8).
func CSV(w http.ResponseWriter, name string) *Writer {
	return &Writer{w: w, name: name, ctype: "text/csv; charset=utf-8"}
}

// Write sets the download's headers on the first call, then writes p.
// Downloads are not kept by caches: they may hold personal data.
func (d *Writer) Write(p []byte) (int, error) {
	if !d.started {
		d.started = true
		h := d.w.Header()
		h.Set("Content-Type", d.ctype)
		h.Set("Content-Disposition", `attachment; filename="`+d.name+`"`)
		h.Set("Cache-Control", "no-store")
	}
	return d.w.Write(p)
}

// Started reports whether anything was written: after that, an error can
// only be logged, as the response is under way.
func (d *Writer) Started() bool { return d.started }
