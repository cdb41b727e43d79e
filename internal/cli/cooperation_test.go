package cli

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fosis/fosis/internal/platform/db/dbtest"
)

// TestCooperationCommands takes a triangular request through the command
// line to an initiated project, refuses an early start naming the missing
// signatures, and exports IATI (validated) and SEGIB files.
func TestCooperationCommands(t *testing.T) {
	dsn := dbtest.DSN(t)
	dir := t.TempDir()
	td := filepath.Join("testdata", "cooperation")
	run := func(args ...string) string {
		return mustRun(t, append([]string{"--db", dsn, "cooperation"}, args...)...)
	}
	run("org", "add", "FOSIS", "--country", "CL", "--iati-ref", "CL-RUT-60109000-3", "--roles", "technical", "--reporting")
	run("org", "add", "AGCI", "--country", "CL", "--roles", "strategic,technical", "--agency")
	run("org", "add", "Ministerio de Desarrollo Social PY", "--country", "PY", "--roles", "technical")
	run("org", "add", "GIZ", "--country", "DE", "--iati-ref", "XM-DAC-5-7", "--roles", "financial,technical")
	if out := run("org", "list"); !strings.Contains(out, "DE       GIZ") && !strings.Contains(out, "GIZ") {
		t.Fatalf("org list:\n%s", out)
	}
	if out := run("staff", "add", "Ana Rojas", "--level", "director", "--program", "Puente:designed", "--availability", "2026-01:2028-12:50"); !strings.HasPrefix(out, "professional 1:") {
		t.Fatalf("staff add: %s", out)
	}
	run("staff", "add", "Luis Soto", "--level", "professional", "--program", "Yo Emprendo:ran", "--availability", "2026-01:2028-12:40")
	run("request", "CSS-PY-2026-01", "--title", "Acompañamiento psicosocial", "--country", "PY", "--org", "Ministerio de Desarrollo Social PY",
		"--channel", "financer", "--asker", "GIZ", "--public", "--segib-sector", "Otros servicios y políticas sociales", "--on", "2026-01-10")
	run("feasibility", "CSS-PY-2026-01", "--criterion", "alineación con programas de FOSIS=yes", "--criterion", "compromiso de la institución solicitante=yes", "--criterion", "disponibilidad de profesionales=yes", "--decision", "approve", "--on", "2026-01-20", "--by", "Comité")
	if out := run("design", "CSS-PY-2026-01", "--file", filepath.Join(td, "design.json")); !strings.Contains(out, "design version 1 saved") {
		t.Fatalf("design: %s", out)
	}
	run("review", "CSS-PY-2026-01", "--decision", "approve", "--on", "2026-02-10", "--directors", "Dirección ejecutiva", "--financers", "GIZ", "--financer", "GIZ=approve")
	run("agree", "CSS-PY-2026-01", "--file", filepath.Join(td, "agreement.json"))
	run("sign", "CSS-PY-2026-01", "--org", "FOSIS", "--by", "Director ejecutivo", "--on", "2026-02-20")
	code, _, errs := runCLI(t, "--db", dsn, "cooperation", "start", "CSS-PY-2026-01", "--on", "2026-03-01")
	if code != ExitError || !strings.Contains(errs, `refused by rule "signatures"`) || !strings.Contains(errs, "missing: GIZ, Ministerio de Desarrollo Social PY") {
		t.Fatalf("early start: exit %d, %s", code, errs)
	}
	run("sign", "CSS-PY-2026-01", "--org", "GIZ", "--by", "Directora GIZ Chile", "--on", "2026-02-21")
	run("sign", "CSS-PY-2026-01", "--org", "Ministerio de Desarrollo Social PY", "--by", "Ministra", "--on", "2026-02-22", "--place", "Asunción")
	if out := run("start", "CSS-PY-2026-01", "--on", "2026-03-01"); !strings.Contains(out, "CSS-PY-2026-01: executing (stage execution)") {
		t.Fatalf("start: %s", out)
	}
	// AGCI joins the signed agreement only by an amendment every party signs.
	if out := run("amend", "CSS-PY-2026-01", "--on", "2026-03-02", "--reason", "AGCI financia los pasajes de la pasantía", "--add", "AGCI=Pasajes de la pasantía"); !strings.Contains(out, "amendment 1 proposed") {
		t.Fatalf("amend: %s", out)
	}
	for _, org := range []string{"FOSIS", "GIZ", "Ministerio de Desarrollo Social PY", "AGCI"} {
		run("sign-amendment", "CSS-PY-2026-01", "1", "--org", org, "--by", "Firmante", "--on", "2026-03-03")
	}
	if out := run("show", "CSS-PY-2026-01"); !strings.Contains(out, `"status": "in_effect"`) {
		t.Fatalf("show after the amendment:\n%s", out)
	}
	run("event", "CSS-PY-2026-01", "--file", filepath.Join(td, "event.json"))
	run("document", "CSS-PY-2026-01", "--title", "Convenio trilateral firmado", "--category", "A09", "--url", "https://fosis.example/convenio.pdf", "--on", "2026-02-22")
	run("execute", "CSS-PY-2026-01", "--org", "GIZ", "--year", "2026", "--category", "travel", "--amount", "17250", "--on", "2026-10-31")
	if out := run("list"); !strings.Contains(out, "CSS-PY-2026-01  PY       execution  executing  triangular") {
		t.Fatalf("list:\n%s", out)
	}
	if out := run("show", "CSS-PY-2026-01"); !strings.Contains(out, `"modality": "triangular"`) || !strings.Contains(out, `"triangular_asker": "GIZ"`) {
		t.Fatalf("show:\n%s", out)
	}
	xmlFile := filepath.Join(dir, "iati.xml")
	if out := run("export-iati", "--out", xmlFile); !strings.Contains(out, "1 activities, valid against the IATI 2.03 schema") {
		t.Fatalf("export-iati: %s", out)
	}
	b, err := os.ReadFile(xmlFile)
	if err != nil || !strings.Contains(string(b), `<collaboration-type code="8"></collaboration-type>`) || !strings.Contains(string(b), "<iati-identifier>CL-RUT-60109000-3-CSS-PY-2026-01</iati-identifier>") ||
		!strings.Contains(string(b), `<document-link url="https://fosis.example/convenio.pdf" format="application/pdf">`) {
		t.Fatalf("IATI file:\n%s", b)
	}
	csvFile := filepath.Join(dir, "segib.csv")
	run("segib", "--out", csvFile, "--lang", "en", "--year", "2027")
	f, err := os.Open(csvFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil || len(recs) != 4 || recs[3][15] != "GIZ" || recs[3][17] != "second provider" || recs[3][20] != "17250" {
		t.Fatalf("SEGIB CSV: %v %v", recs, err)
	}
	run("segib", "--out", filepath.Join(dir, "segib.xlsx"))
	if code, _, errs := runCLI(t, "--db", dsn, "cooperation", "segib", "--out", filepath.Join(dir, "segib.pdf")); code == 0 || !strings.Contains(errs, ".csv or .xlsx") {
		t.Errorf("segib to pdf: exit %d %s", code, errs)
	}
}
