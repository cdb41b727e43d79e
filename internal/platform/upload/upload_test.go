package upload_test

import (
	"bytes"
	"errors"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/upload"
)

func form(t *testing.T, files map[string]string, fields map[string]string) *http.Request {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	for name, data := range files {
		field, file, _ := strings.Cut(name, ":")
		fw, _ := mw.CreateFormFile(field, file)
		fw.Write([]byte(data))
	}
	mw.Close()
	r := httptest.NewRequest("POST", "/", &body)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	return r
}

func TestSaveFiles(t *testing.T) {
	dir := t.TempDir()
	r := form(t, map[string]string{`households:C:\datos\hogares nov.csv`: "h1", "persons:../../personas.csv": "p1", "other:x.csv": "zz"},
		map[string]string{"note": "hola"})
	names, err := upload.SaveFiles(r, dir, "households", "persons")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"households": "hogares nov.csv", "persons": "personas.csv"}, names); diff != "" {
		t.Errorf("names (-want +got):\n%s", diff)
	}
	for f, want := range map[string]string{"households.csv": "h1", "persons.csv": "p1"} {
		if b, err := os.ReadFile(filepath.Join(dir, f)); err != nil || string(b) != want {
			t.Errorf("%s = %q, %v", f, b, err)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("%d files written, want 2", len(entries))
	}

	_, err = upload.SaveFiles(form(t, map[string]string{"households:h.csv": "h"}, nil), t.TempDir(), "households", "persons")
	if e, ok := err.(*fosis.Error); !ok || e.Code != fosis.EINVALID || len(e.Fields) != 1 || e.Fields[0].Field != "persons" {
		t.Errorf("a missing file: %v", err)
	}
	plain := httptest.NewRequest("POST", "/", strings.NewReader("a=b"))
	plain.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if _, err := upload.SaveFiles(plain, t.TempDir(), "households"); fosis.ErrorCode(err) != fosis.EINVALID {
		t.Errorf("not a multipart form: %v", err)
	}
	big := form(t, map[string]string{"households:h.csv": strings.Repeat("x", 5000)}, nil)
	big.Body = http.MaxBytesReader(httptest.NewRecorder(), big.Body, 1000)
	var tooBig *http.MaxBytesError
	if _, err := upload.SaveFiles(big, t.TempDir(), "households"); !errors.As(err, &tooBig) {
		t.Errorf("a body over the limit: %v", err)
	}
}

// TestReceive: the files land in a new folder under the parent; an upload
// that is too large or lacks a file leaves nothing behind.
func TestReceive(t *testing.T) {
	parent := t.TempDir()
	dir, names, err := upload.Receive(httptest.NewRecorder(), form(t, map[string]string{"households:h.csv": "h1", "persons:p.csv": "p1"}, nil), parent, 1<<20, "households", "persons")
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(dir) != parent || names["households"] != "h.csv" || names["persons"] != "p.csv" {
		t.Errorf("dir %s, names %v", dir, names)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "persons.csv")); err != nil || string(b) != "p1" {
		t.Errorf("persons.csv = %q, %v", b, err)
	}
	os.RemoveAll(dir)

	big := strings.Repeat("x", 4096)
	_, _, err = upload.Receive(httptest.NewRecorder(), form(t, map[string]string{"households:h.csv": big, "persons:p.csv": big}, nil), parent, 1024, "households", "persons")
	var tooBig *http.MaxBytesError
	if !errors.As(err, &tooBig) {
		t.Errorf("an upload over the limit: %v", err)
	}
	_, _, err = upload.Receive(httptest.NewRecorder(), form(t, map[string]string{"households:h.csv": "h"}, nil), parent, 1<<20, "households", "persons")
	if fosis.ErrorCode(err) != fosis.EINVALID {
		t.Errorf("a missing file: %v", err)
	}
	if entries, _ := os.ReadDir(parent); len(entries) != 0 {
		t.Errorf("%d folders left behind", len(entries))
	}
}
