// Package upload saves the files of a multipart form to disk as they
// arrive, without holding them in memory: a national extract can be larger
// than the server's memory.
package upload

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/fosis/fosis"
)

// Receive saves the files of fields from r's multipart body, at most max
// bytes in all, to a new private folder under parent (the system's
// temporary folder if ""), which it returns with the files' names on the
// user's machine. On an error the folder is gone; an upload over max is an
// *http.MaxBytesError.
func Receive(w http.ResponseWriter, r *http.Request, parent string, max int64, fields ...string) (dir string, names map[string]string, err error) {
	r.Body = http.MaxBytesReader(w, r.Body, max)
	dir, err = os.MkdirTemp(parent, "fosis-upload-")
	if err != nil {
		return "", nil, err
	}
	names, err = SaveFiles(r, dir, fields...)
	if err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	return dir, names, nil
}

// SaveFiles reads the multipart form of r and writes the file of each of
// fields to dir/<field>.csv. It returns the names the files had on the
// user's machine, by field. Other form parts are skipped. A form that is not
// a file upload, or that lacks one of fields, is an invalid error naming the
// missing fields; errors of the body (such as http.MaxBytesError) are
// returned as they are.
func SaveFiles(r *http.Request, dir string, fields ...string) (map[string]string, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, fosis.Errorf(fosis.EINVALID, "send the files as a multipart/form-data upload")
	}
	want := map[string]bool{}
	for _, f := range fields {
		want[f] = true
	}
	names := map[string]string{}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		field := part.FormName()
		if !want[field] || part.FileName() == "" || names[field] != "" {
			part.Close()
			continue
		}
		err = save(part, filepath.Join(dir, field+".csv"))
		part.Close()
		if err != nil {
			return nil, err
		}
		names[field] = filepath.Base(filepath.Clean("/" + strings.ReplaceAll(part.FileName(), `\`, "/")))
	}
	var missing []fosis.FieldError
	for _, f := range fields {
		if names[f] == "" {
			missing = append(missing, fosis.FieldError{Field: f, Message: "choose a file"})
		}
	}
	if len(missing) > 0 {
		return nil, &fosis.Error{Code: fosis.EINVALID, Message: "a file is missing from the upload", Fields: missing}
	}
	return names, nil
}

func save(src io.Reader, path string) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, src); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
