package web_test

import (
	"bytes"
	"context"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

var jobLink = regexp.MustCompile(`/imports/jobs/([0-9a-f]+)`)

// TestImportPage: an analyst uploads an extract with one bad household,
// follows the job to its end, and downloads the problem report; the import
// is listed with it. A regional officer may not import nor see imports.
func TestImportPage(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	c.signIn("analista")
	if resp, body := c.do("GET", "/imports", nil); resp.StatusCode != 200 || !strings.Contains(body, `id="upload-form"`) || !strings.Contains(body, `id="import-list"`) {
		t.Fatalf("imports page: %d", resp.StatusCode)
	}
	hh := "household_id,commune_code,zone,tenure,rooms,floor,walls,roof,water,sanitation,vehicle_value_clp,property_value_clp,school_fees_clp,registered_on\n" +
		"N1,13101,urban,renter,3,good,fair,good,public_network,sewer,0,0,0,2020-05-01\n" +
		"N2,13101,campo,owner,2,poor,poor,fair,well,latrine,0,0,0,2019-01-10\n"
	pp := "run,given_names,paternal_surname,maternal_surname,household_id,relation,sex,birth_date,schooling_years,in_school,employed,labor_income_clp,pension_income_clp,capital_income_clp,health_plan,disability,dependency,indigenous,pregnant\n" +
		"5.126.663-3,Irma,Vidal,Lagos,N1,head,F,1960-02-03,8,0,0,0,200000,0,fonasa_a,none,none,0,0\n" +
		"7.010.912-8,Luis,Peña,,N2,head,M,1955-09-09,6,0,0,0,180000,0,fonasa_a,none,none,0,0\n"
	resp, body := c.postFiles("/imports", map[string]string{"households": hh, "persons": pp})
	m := jobLink.FindStringSubmatch(resp.Request.URL.Path)
	if resp.StatusCode != 200 || m == nil {
		t.Fatalf("upload: %d at %s\n%s", resp.StatusCode, resp.Request.URL, body)
	}
	f.jobs.Wait()
	_, body = c.do("GET", "/imports/jobs/"+m[1], nil)
	if !strings.Contains(body, `id="job-done"`) || !strings.Contains(body, `id="sum-rejected">1<`) || strings.Contains(body, "hx-trigger") {
		t.Fatalf("finished job page:\n%s", body)
	}
	link := regexp.MustCompile(`href="(/imports/problems/[0-9]+)" id="download-problems"`).FindStringSubmatch(body)
	if link == nil {
		t.Fatalf("no download link:\n%s", body)
	}
	resp, report := c.do("GET", link[1], nil)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") ||
		!strings.HasPrefix(report, "file,line,column,value,reason,household_id\n") || !strings.Contains(report, "households-nov.csv,3,zone,campo") {
		t.Errorf("problem report: %d %q\n%s", resp.StatusCode, resp.Header, report)
	}
	var n int
	f.d.QueryRowContext(context.Background(), `SELECT count(*) FROM households WHERE household_id IN ('N1', 'N2')`).Scan(&n)
	if n != 1 {
		t.Errorf("%d of the new households are in the registry, want N1 only", n)
	}
	_, body = c.do("GET", "/imports", nil)
	if !strings.Contains(html.UnescapeString(body), "households-nov.csv + persons-nov.csv (analista, web)") || !strings.Contains(body, link[1]) {
		t.Errorf("the import is not listed with its report:\n%s", body)
	}

	// Bad uploads change nothing and say what to do.
	if resp, body := c.postFiles("/imports", map[string]string{"households": hh}); resp.StatusCode != 400 || !strings.Contains(body, `id="import-error"`) {
		t.Errorf("one file only: %d", resp.StatusCode)
	}
	if resp, body := c.postFiles("/imports", map[string]string{"households": strings.Repeat("x", 2<<20), "persons": pp}); resp.StatusCode != 413 || !strings.Contains(body, "1 MiB") {
		t.Errorf("too big: %d", resp.StatusCode)
	}
	resp, _ = c.postFiles("/imports", map[string]string{"households": "id,x\n1,2\n", "persons": pp})
	f.jobs.Wait()
	_, body = c.do("GET", resp.Request.URL.Path, nil)
	if !strings.Contains(body, `id="job-failed"`) || !strings.Contains(body, "faltan las columnas") {
		t.Errorf("a bad header: the job page does not explain it:\n%s", body)
	}

	// Another user does not see the analyst's job; a regional officer may
	// neither import nor list imports.
	rosa := f.client(t)
	rosa.signIn("rosa")
	if resp, _ := rosa.do("GET", "/imports/jobs/"+m[1], nil); resp.StatusCode != 404 {
		t.Errorf("another user's job: %d, want 404", resp.StatusCode)
	}
	for _, path := range []string{"/imports", link[1]} {
		if resp, _ := rosa.do("GET", path, nil); resp.StatusCode != 403 {
			t.Errorf("regional officer, GET %s: %d, want 403", path, resp.StatusCode)
		}
	}
	if resp, _ := rosa.postFiles("/imports", map[string]string{"households": hh, "persons": pp}); resp.StatusCode != 403 {
		t.Errorf("regional officer upload: %d, want 403", resp.StatusCode)
	}
	otilia := f.client(t)
	otilia.signIn("otilia")
	if resp, body := otilia.do("GET", "/imports", nil); resp.StatusCode != 200 || strings.Contains(body, `id="upload-form"`) {
		t.Errorf("the auditor reads the imports without the upload form: %d", resp.StatusCode)
	}
	if resp, _ := otilia.postFiles("/imports", map[string]string{"households": hh, "persons": pp}); resp.StatusCode != 403 {
		t.Errorf("auditor upload: %d, want 403", resp.StatusCode)
	}
}

// postFiles posts files (form field → content) as a multipart form, the way
// a browser submits a file upload.
func (c *client) postFiles(path string, files map[string]string) (*http.Response, string) {
	c.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, name := range []string{"households", "persons"} {
		if data, ok := files[name]; ok {
			fw, err := mw.CreateFormFile(name, name+"-nov.csv")
			if err != nil {
				c.t.Fatal(err)
			}
			fw.Write([]byte(data))
		}
	}
	mw.Close()
	req, err := http.NewRequest("POST", c.base+path, &body)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}
