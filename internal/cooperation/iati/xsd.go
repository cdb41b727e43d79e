package iati

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// The official 2.03 schemas, unchanged (they must sit in one folder: the
// activity schema includes iati-common.xsd and imports xml.xsd).
//
//go:embed xsd/*.xsd
var schemas embed.FS

// ErrNoXmllint means xmllint (Debian package libxml2-utils) is not installed.
var ErrNoXmllint = errors.New("xmllint is not installed (Debian: apt-get install libxml2-utils)")

// SchemaError is a document the XSD refuses, with xmllint's messages.
type SchemaError struct {
	Messages []string
}

func (e *SchemaError) Error() string {
	return "the file does not validate against the IATI 2.03 schema: " + strings.Join(e.Messages, "; ")
}

// ValidateXSD validates an activity file against the embedded IATI 2.03
// activity schema with xmllint. It returns ErrNoXmllint when xmllint is
// missing and a *SchemaError listing xmllint's messages when the file is
// invalid.
func ValidateXSD(ctx context.Context, doc []byte) error {
	bin, err := exec.LookPath("xmllint")
	if err != nil {
		return ErrNoXmllint
	}
	dir, err := os.MkdirTemp("", "fosis-iati-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	entries, err := schemas.ReadDir("xsd")
	if err != nil {
		return err
	}
	for _, e := range entries {
		b, err := schemas.ReadFile("xsd/" + e.Name())
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o600); err != nil {
			return err
		}
	}
	file := filepath.Join(dir, "activities.xml")
	if err := os.WriteFile(file, doc, 0o600); err != nil {
		return err
	}
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, "--noout", "--nonet", "--schema", filepath.Join(dir, "iati-activities-schema.xsd"), file)
	cmd.Stderr = &stderr
	err = cmd.Run()
	if err == nil {
		return nil
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return fmt.Errorf("run xmllint: %w", err)
	}
	var msgs []string
	for _, line := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
		line = strings.TrimSpace(strings.ReplaceAll(line, file, "activities.xml"))
		if line != "" && !strings.HasSuffix(line, "fails to validate") {
			msgs = append(msgs, line)
		}
	}
	if len(msgs) == 0 {
		msgs = []string{fmt.Sprintf("xmllint exited with status %d", ee.ExitCode())}
	}
	return &SchemaError{Messages: msgs}
}
