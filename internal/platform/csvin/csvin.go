// Package csvin reads the delimited text files people actually send: UTF-8
// with or without a byte-order mark, comma- or semicolon-separated (Chilean
// spreadsheets export with ';'), RFC 4180 quoting, CRLF or LF, a header row
// whose column order may vary. It maps columns by name and reports every
// problem with its line.
package csvin

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/fosis/fosis"
)

// HeaderError reports missing, duplicated or unusable header columns. The
// import stops before reading any data when it gets one.
type HeaderError struct {
	File      string
	Missing   []string
	Duplicate []string
	Problem   string

	empty   bool   // the file has no header at all
	readErr string // why the header could not be read
}

// Refusal is the error as a keyed refusal (csvin.err.*), so that pages say
// it in the reader's language; its message is Error()'s.
func (e *HeaderError) Refusal() *fosis.Error {
	out := &fosis.Error{Code: fosis.EINVALID, Message: e.Error()}
	missing, repeated := strings.Join(e.Missing, ", "), strings.Join(e.Duplicate, ", ")
	switch {
	case e.empty:
		out.Key, out.Args = "csvin.err.empty", []any{e.File, missing}
	case e.readErr != "":
		out.Key, out.Args = "csvin.err.unreadable", []any{e.File, e.readErr}
	case len(e.Missing) > 0 && len(e.Duplicate) > 0:
		out.Key, out.Args = "csvin.err.missing_repeated", []any{e.File, missing, repeated}
	case len(e.Missing) > 0:
		out.Key, out.Args = "csvin.err.missing", []any{e.File, missing}
	case len(e.Duplicate) > 0:
		out.Key, out.Args = "csvin.err.repeated", []any{e.File, repeated}
	}
	return out
}

func (e *HeaderError) Error() string {
	var parts []string
	if e.Problem != "" {
		parts = append(parts, e.Problem)
	}
	if len(e.Missing) > 0 {
		parts = append(parts, "missing column(s): "+strings.Join(e.Missing, ", "))
	}
	if len(e.Duplicate) > 0 {
		parts = append(parts, "repeated column(s): "+strings.Join(e.Duplicate, ", "))
	}
	return fmt.Sprintf("%s: bad header: %s", e.File, strings.Join(parts, "; "))
}

// Reader reads records from one file and gives access to fields by column name.
type Reader struct {
	File    string   // name used in messages
	Comma   rune     // the detected delimiter
	Unknown []string // header columns that are not expected; they are ignored
	cr      *csv.Reader
	index   []int // index[k] = position of wanted column k in the record
	rec     []string
	line    int
	width   int
}

// NewReader reads the header of r and maps the wanted columns. Columns in
// want must all be present (in any order); others are listed in Unknown.
func NewReader(r io.Reader, file string, want []string) (*Reader, error) {
	br := bufio.NewReaderSize(r, 1<<20)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
	}
	comma := detectComma(br)
	cr := csv.NewReader(br)
	cr.Comma = comma
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, &HeaderError{File: file, Problem: "the file is empty", Missing: want, empty: true}
	}
	if err != nil {
		return nil, &HeaderError{File: file, Problem: "cannot read the header: " + err.Error(), readErr: err.Error()}
	}
	rd := &Reader{File: file, Comma: comma, cr: cr, index: make([]int, len(want)), width: len(header)}
	pos := map[string]int{}
	herr := &HeaderError{File: file}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		if _, dup := pos[h]; dup {
			herr.Duplicate = append(herr.Duplicate, h)
			continue
		}
		pos[h] = i
		if !slices.Contains(want, h) {
			rd.Unknown = append(rd.Unknown, h)
		}
	}
	for k, w := range want {
		i, ok := pos[w]
		if !ok {
			herr.Missing = append(herr.Missing, w)
		}
		rd.index[k] = i
	}
	if len(herr.Missing) > 0 || len(herr.Duplicate) > 0 {
		return nil, herr
	}
	rd.line = 1
	return rd, nil
}

// detectComma looks at the first line: the delimiter is ';' if it occurs
// there more often than ',' outside quotes.
func detectComma(br *bufio.Reader) rune {
	b, _ := br.Peek(64 << 10)
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	}
	commas, semis, quoted := 0, 0, false
	for _, c := range b {
		switch {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == ',':
			commas++
		case c == ';':
			semis++
		}
	}
	if semis > commas {
		return ';'
	}
	return ','
}

// RowError is a problem with one record's shape (not its values).
type RowError struct {
	File string
	Line int
	Err  error
}

func (e *RowError) Error() string { return fmt.Sprintf("%s line %d: %v", e.File, e.Line, e.Err) }

// Next reads the next record. It returns io.EOF at the end, a *RowError for a
// record that cannot be used (bad quoting, wrong number of fields) — reading
// may continue after it — and other errors for I/O failures.
func (r *Reader) Next() error {
	rec, err := r.cr.Read()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			r.line = pe.StartLine
			r.rec = nil
			return &RowError{File: r.File, Line: pe.StartLine, Err: pe.Err}
		}
		return err
	}
	line, _ := r.cr.FieldPos(0)
	r.line = line
	if len(rec) != r.width {
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			return r.Next() // a blank line
		}
		r.rec = rec
		return &RowError{File: r.File, Line: line, Err: fmt.Errorf("has %d fields, the header has %d", len(rec), r.width)}
	}
	r.rec = rec
	return nil
}

// Loose returns wanted column k of a record that failed with a RowError for
// having the wrong number of fields, or "" if the record is too short. It
// lets a caller tell which household a malformed row belonged to.
func (r *Reader) Loose(k int) string {
	if i := r.index[k]; i < len(r.rec) {
		return strings.TrimSpace(r.rec[i])
	}
	return ""
}

// Offset returns how many bytes of the input have been consumed (after the
// byte-order mark), for progress reporting.
func (r *Reader) Offset() int64 { return r.cr.InputOffset() }

// Line returns the line number where the current record starts.
func (r *Reader) Line() int { return r.line }

// Field returns the current record's value of wanted column k (the position
// of the column in the want list given to NewReader), trimmed of spaces.
func (r *Reader) Field(k int) string {
	return strings.TrimSpace(r.rec[r.index[k]])
}

// AppendField appends s as one CSV field,, quoted per RFC 4180 only when it contains a
// comma, a double quote, CR or LF.
func AppendField(dst []byte, s string) []byte {
	if !strings.ContainsAny(s, ",\"\r\n") {
		return append(dst, s...)
	}
	dst = append(dst, '"')
	for {
		i := strings.IndexByte(s, '"')
		if i < 0 {
			break
		}
		dst = append(dst, s[:i+1]...)
		dst = append(dst, '"')
		s = s[i+1:]
	}
	dst = append(dst, s...)
	return append(dst, '"')
}
