package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db/dbtest"
)

// TestTwoInstances starts two servers on one database, as two instances
// behind a load balancer would run: a session opened on one works on the
// other, an import uploaded to one is followed to its end on the other, and
// the other refuses a second import while the first runs.
func TestTwoInstances(t *testing.T) {
	dsn := dbtest.DSN(t)
	extract := filepath.Join(t.TempDir(), "extract")
	mustRun(t, "registry", "generate", "--households", "300", "--seed", "11", "--out", extract)
	out := mustRun(t, "--db", dsn, "users", "add", "jefa", "--role", "admin")
	password := regexp.MustCompile(`password: (\S+)`).FindStringSubmatch(out)
	out = mustRun(t, "--db", dsn, "tokens", "create", "jefa", "--name", "carga", "--scopes", "read write")
	secret := regexp.MustCompile(`secret: (\S+)`).FindStringSubmatch(out)
	if password == nil || secret == nil {
		t.Fatalf("no password or secret in the output:\n%s", out)
	}

	sys := auth.WithPrincipal(context.Background(), auth.System())
	ctx, stop := context.WithCancel(sys)
	defer stop()
	var addrs []string
	var dones []chan error
	for range 2 {
		a, err := Open(sys, Config{DB: dsn, Quiet: true}, io.Discard, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		ready, done := make(chan string, 1), make(chan error, 1)
		go func() { done <- serveWith(ctx, a, "127.0.0.1:0", serveOptions{}, func(addr string) { ready <- addr }) }()
		addrs = append(addrs, "http://"+<-ready)
		dones = append(dones, done)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }, Timeout: 60 * time.Second}

	// A session opened on the first instance works on the second.
	form := url.Values{"username": {"jefa"}, "password": {password[1]}, "next": {"/"}}
	req, _ := http.NewRequest("POST", addrs[0]+"/signin", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || len(res.Cookies()) == 0 {
		t.Fatalf("sign-in on the first instance: %s, cookies %v", res.Status, res.Cookies())
	}
	req, _ = http.NewRequest("GET", addrs[1]+"/", nil)
	for _, c := range res.Cookies() {
		req.AddCookie(c)
	}
	res, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("the session on the second instance: %s (%s), want the home page", res.Status, res.Header.Get("Location"))
	}

	// An import uploaded to the first instance.
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, name := range []string{"households", "persons"} {
		fw, err := mw.CreateFormFile(name, name+".csv")
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(extract, name+".csv"))
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(b)
	}
	mw.Close()
	api := func(method, base, path string, body io.Reader, ctype string) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, body)
		req.Header.Set("Authorization", "Bearer "+secret[1])
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, b
	}
	status, b := api("POST", addrs[0], "/api/v1/imports", &body, mw.FormDataContentType())
	if status != http.StatusAccepted {
		t.Fatalf("upload to the first instance: %d %s", status, b)
	}
	var job struct {
		ID        string `json:"id"`
		ErrorCode string `json:"error_code"`
		Finished  string `json:"finished_at"`
		Result    struct {
			Inserted int `json:"households_inserted"`
		} `json:"result"`
	}
	if err := json.Unmarshal(b, &job); err != nil || job.ID == "" {
		t.Fatalf("the job: %s (%v)", b, err)
	}
	// Followed on the second instance until it ends.
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		status, b = api("GET", addrs[1], "/api/v1/jobs/"+job.ID, nil, "")
		if status != http.StatusOK {
			t.Fatalf("the job on the second instance: %d %s", status, b)
		}
		if err := json.Unmarshal(b, &job); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(job.Finished, "0001") || time.Now().After(deadline) {
			break
		}
	}
	if job.ErrorCode != "" || job.Result.Inserted != 300 {
		t.Fatalf("the import as the second instance sees it: %s", b)
	}
	status, b = api("GET", addrs[1], "/api/v1/imports?limit=1", nil, "")
	if status != http.StatusOK || !bytes.Contains(b, []byte(`"households_inserted":300`)) && !bytes.Contains(b, []byte(`300`)) {
		t.Errorf("imports on the second instance: %d %s", status, b)
	}
	stop()
	for _, done := range dones {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}
