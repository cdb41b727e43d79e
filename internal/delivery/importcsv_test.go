package delivery_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/delivery"
)

const sessionsHeader = "case;ref;date;component;kind;status;minutes;attendees;dimensions;notes\n"

// TestImportSessions: a file with bad rows writes nothing and names every
// bad row; the good file imports, and importing it again adds nothing.
func TestImportSessions(t *testing.T) {
	f := newFixture(t, 40)
	a := f.open("puente", 0, "ong-norte")
	b := f.open("puente", 1, "ong-norte")
	c := f.open("yo-trabajo", 2, "ong-sur")
	ctx := f.ctx["coord-norte"]
	good := sessionsHeader + fmt.Sprintf(`%d;S-1;2026-11-02;home;home;held;45;María|Pedro;salud|educacion;Primera sesión
%d;S-2;2026-11-20;group;group;held;90;María;;
%d;S-1;2026-11-03;home;home;missed;0;;;No estaban
`, a.ID, a.ID, b.ID)
	bad := sessionsHeader + fmt.Sprintf(`%d;S-1;2026-11-02;home;home;held;45;María;salud;ok
%d;S-3;2026-02-30;home;home;held;45;;;
x;S-4;2026-11-02;home;home;held;45;;;
%d;S-5;2026-11-02;home;home;held;45;;;
%d;S-1;2026-11-05;home;home;held;45;;;
%d;S-6;2026-11-02;search;home;held;noventa;;;
%d;S-7;2026-11-02;home;party;held;45;;magia;
`, a.ID, a.ID, c.ID, a.ID, b.ID, b.ID)
	_, err := f.st.ImportSessions(ctx, strings.NewReader(bad), "agencia.csv")
	e, ok := err.(*fosis.Error)
	if !ok || e.Code != fosis.EINVALID {
		t.Fatalf("bad file: %v", err)
	}
	var lines []string
	for _, p := range e.Fields {
		lines = append(lines, p.Field)
	}
	want := []string{"line 3 date", "line 4 case", "line 5 case", "line 6 ref", "line 7 minutes", "line 8 kind", "line 8 dimensions"}
	if diff := cmp.Diff(want, lines); diff != "" {
		t.Errorf("bad rows (-want +got):\n%s", diff)
	}
	if !strings.Contains(e.Message, "nothing was imported; 7 row(s) have problems, the first at line 3") {
		t.Errorf("message: %s", e.Message)
	}
	if list, _ := f.st.Sessions(ctx, a.ID); len(list) != 0 {
		t.Errorf("a refused file wrote %d sessions", len(list))
	}
	res, err := f.st.ImportSessions(ctx, strings.NewReader(good), "agencia.csv")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&delivery.ImportResult{File: "agencia.csv", Rows: 3, Added: 3}, res); diff != "" {
		t.Errorf("result (-want +got):\n%s", diff)
	}
	res, err = f.st.ImportSessions(ctx, strings.NewReader(good), "agencia.csv")
	if err != nil || res.Added != 0 || res.Already != 3 {
		t.Errorf("again: %+v, %v", res, err)
	}
	list, _ := f.st.Sessions(ctx, a.ID)
	if len(list) != 2 || list[1].Ref != "S-1" || cmp.Diff([]string{"María", "Pedro"}, list[1].Attendees) != "" {
		t.Errorf("sessions: %+v", list)
	}
	got, _ := f.st.Case(ctx, a.ID)
	if got.LastContactOn != "2026-11-20" {
		t.Errorf("last contact %q", got.LastContactOn)
	}
	// A counsellor imports only for their own cases.
	_, err = f.st.ImportSessions(f.ctx["carla"], strings.NewReader(good), "agencia.csv")
	if fosis.ErrorCode(err) != fosis.EINVALID || !strings.Contains(err.Error(), "outside your reach") {
		t.Errorf("carla imports ana's sessions: %v", err)
	}
	if _, err := f.st.ImportSessions(ctx, strings.NewReader("case,ref\n1,2\n"), "x.csv"); fosis.ErrorCode(err) != fosis.EINVALID || !strings.Contains(err.Error(), "missing column(s): date") {
		t.Errorf("bad header: %v", err)
	}
}

// FuzzParseSessions: the parser never panics, and every row is either
// parsed or named as a problem by its line.
func FuzzParseSessions(f *testing.F) {
	f.Add([]byte(sessionsHeader + "1;S-1;2026-11-02;home;home;held;45;María|Pedro;salud;nota\n"))
	f.Add([]byte(sessionsHeader + "1;S-1;2026-11-02;home;home;held;45\n\"x;\n"))
	f.Add([]byte("case,ref,date,component,kind,status,minutes,attendees,dimensions,notes\r\n2,a,b,c,d,e,f,g,h,i\r\n2,a,,,,,1,,,\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		rows, bad, err := delivery.ParseSessions(bytes.NewReader(b), "fuzz.csv")
		if err != nil {
			return
		}
		for _, r := range rows {
			if r.CaseID < 1 || r.Session.Ref == "" || r.Line < 2 {
				t.Fatalf("parsed a bad row: %+v", r)
			}
		}
		for _, p := range bad {
			if p.Line < 1 || p.Message == "" {
				t.Fatalf("a problem without its line: %+v", p)
			}
		}
	})
}
