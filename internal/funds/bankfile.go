package funds

// The bank files (docs/funds.md, "The bank's batch file" and "The bank's
// result file"). The batch file's layout is data, not code: a JSON or YAML
// document naming its format (fixed-width or CSV), its header, detail and
// trailer records, and each field's source, width, alignment and padding.
// ParseLayout validates a layout, naming every problem; WriteBatch writes a
// run's payments with it, with the control totals (count and sum) the bank
// checks. ParseResults reads the bank's answer.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/audit"
	"github.com/fosis/fosis/internal/platform/db"
)

// Layout is a bank batch file's layout.
type Layout struct {
	Name string `json:"name" yaml:"name"`
	// Format is "fixed" (fixed-width records) or "csv" (delimited).
	Format string `json:"format" yaml:"format"`
	// Separator is the CSV delimiter (";" by default).
	Separator string `json:"separator,omitempty" yaml:"separator,omitempty"`
	// LineEnd is "crlf" (the default, what banks' hosts expect) or "lf".
	LineEnd string  `json:"line_end,omitempty" yaml:"line_end,omitempty"`
	Header  []Field `json:"header,omitempty" yaml:"header,omitempty"`
	Detail  []Field `json:"detail" yaml:"detail"`
	Trailer []Field `json:"trailer,omitempty" yaml:"trailer,omitempty"`
}

// Field is one field of a record.
type Field struct {
	// Name labels the field (CSV header, messages).
	Name string `json:"name" yaml:"name"`
	// Source is what the field holds (see Sources).
	Source string `json:"source" yaml:"source"`
	// Value is a literal's text.
	Value string `json:"value,omitempty" yaml:"value,omitempty"`
	// Width is a fixed-width field's width in characters (required for
	// fixed, a maximum for CSV when set).
	Width int `json:"width,omitempty" yaml:"width,omitempty"`
	// Align is "left" (text's default) or "right" (numbers' default).
	Align string `json:"align,omitempty" yaml:"align,omitempty"`
	// Pad is the padding character (" " for text, "0" for numbers).
	Pad string `json:"pad,omitempty" yaml:"pad,omitempty"`
	// Truncate cuts a longer value to Width instead of refusing the file
	// (for names only: never for amounts, accounts or tax ids).
	Truncate bool `json:"truncate,omitempty" yaml:"truncate,omitempty"`
	// Upper writes the value in capitals without accents (ASCII), as many
	// banks' hosts require.
	Upper bool `json:"upper,omitempty" yaml:"upper,omitempty"`
}

// Sources are the values a field may hold, and the records where each
// may appear: h header, d detail, t trailer.
var Sources = map[string]string{
	"literal":      "hdt", // Value, as it is
	"filler":       "hdt", // only padding
	"run":          "hdt", // the run's number
	"date":         "hdt", // the file's date, YYYYMMDD
	"count":        "ht",  // control total: number of payments
	"total":        "ht",  // control total: sum of the amounts, whole pesos
	"seq":          "d",   // the record's number in the file, 1, 2, …
	"payment":      "d",   // the payment's number (the result file answers by it)
	"key":          "d",   // the payment's idempotency key
	"tax_id":       "d",   // the payee's RUN/RUT, 12345678-5
	"tax_id_body":  "d",   // the RUT's digits without the check digit
	"tax_id_dv":    "d",   // the RUT's check digit
	"name":         "d",   // the payee's name
	"bank":         "d",   // the bank's three-digit code
	"account_kind": "d",   // checking, savings or vista
	"account":      "d",   // the account number
	"amount":       "d",   // whole pesos
	"purpose":      "d",   // tranche, milestone or microcredit
	"call":         "d",   // the envelope's call code
}

var numericSources = map[string]bool{"run": true, "count": true, "total": true, "seq": true, "payment": true,
	"tax_id_body": true, "amount": true, "date": true}

// DefaultLayoutJSON is the default layout (docs/funds.md): fixed width, 150
// characters a record, a header and a trailer with the control totals.
const DefaultLayoutJSON = `{
  "name": "fosis-fixed-150",
  "format": "fixed",
  "line_end": "crlf",
  "header": [
    {"name": "type", "source": "literal", "value": "H", "width": 1},
    {"name": "payer", "source": "literal", "value": "FOSIS", "width": 10},
    {"name": "run", "source": "run", "width": 10},
    {"name": "date", "source": "date", "width": 8},
    {"name": "count", "source": "count", "width": 8},
    {"name": "total", "source": "total", "width": 15},
    {"name": "filler", "source": "filler", "width": 98}
  ],
  "detail": [
    {"name": "type", "source": "literal", "value": "D", "width": 1},
    {"name": "payment", "source": "payment", "width": 12},
    {"name": "rut", "source": "tax_id_body", "width": 9},
    {"name": "dv", "source": "tax_id_dv", "width": 1},
    {"name": "name", "source": "name", "width": 40, "truncate": true, "upper": true},
    {"name": "bank", "source": "bank", "width": 3},
    {"name": "account_kind", "source": "account_kind", "width": 8},
    {"name": "account", "source": "account", "width": 20, "align": "right", "pad": "0"},
    {"name": "amount", "source": "amount", "width": 13},
    {"name": "purpose", "source": "purpose", "width": 11},
    {"name": "filler", "source": "filler", "width": 32}
  ],
  "trailer": [
    {"name": "type", "source": "literal", "value": "T", "width": 1},
    {"name": "count", "source": "count", "width": 8},
    {"name": "total", "source": "total", "width": 15},
    {"name": "filler", "source": "filler", "width": 126}
  ]
}`

// DefaultLayout returns the default layout.
func DefaultLayout() Layout {
	l, err := ParseLayout([]byte(DefaultLayoutJSON))
	if err != nil {
		panic(err)
	}
	return l
}

// ParseLayout reads a layout (JSON or YAML) and validates it, naming every
// problem by record and field.
func ParseLayout(data []byte) (Layout, error) {
	var l Layout
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&l); err != nil {
		msg := err.Error()
		if len(msg) > 200 {
			msg = msg[:200]
		}
		return Layout{}, invalid("layout", "funds.err.layout_syntax", msg)
	}
	if err := l.Validate(); err != nil {
		return Layout{}, err
	}
	return l, nil
}

// Validate checks a layout: a known format; every field's source allowed
// in its record; widths for fixed-width fields; literals that fit; a
// detail with the payment and the amount; the control totals (count and
// sum) in the header or the trailer.
func (l *Layout) Validate() error {
	var fes []fosis.FieldError
	if l.Separator == "" {
		l.Separator = ";"
	}
	if l.LineEnd == "" {
		l.LineEnd = "crlf"
	}
	switch l.Format {
	case "fixed":
	case "csv":
		if r, n := utf8.DecodeRuneInString(l.Separator); n != len(l.Separator) || r == '"' || r == '\r' || r == '\n' ||
			(r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') {
			fes = append(fes, field("separator", "funds.err.layout_separator", l.Separator))
		}
	default:
		fes = append(fes, field("format", "funds.err.layout_format", l.Format))
	}
	if l.LineEnd != "crlf" && l.LineEnd != "lf" {
		fes = append(fes, field("line_end", "funds.err.layout_line_end", l.LineEnd))
	}
	if len(l.Detail) == 0 {
		fes = append(fes, field("detail", "funds.err.layout_no_detail"))
	}
	has := map[string]bool{}
	check := func(rec string, code byte, fs []Field) {
		for i := range fs {
			f := &fs[i]
			where := fmt.Sprintf("%s[%d]", rec, i+1)
			allowed, ok := Sources[f.Source]
			if !ok {
				fes = append(fes, field(where, "funds.err.layout_source", where, f.Source))
				continue
			}
			if !strings.ContainsRune(allowed, rune(code)) {
				fes = append(fes, field(where, "funds.err.layout_source_record", where, f.Source, rec))
				continue
			}
			has[rec+":"+f.Source] = true
			if f.Align == "" {
				f.Align = "left"
				if numericSources[f.Source] {
					f.Align = "right"
				}
			}
			if f.Pad == "" {
				f.Pad = " "
				if numericSources[f.Source] {
					f.Pad = "0"
				}
			}
			if f.Align != "left" && f.Align != "right" {
				fes = append(fes, field(where, "funds.err.layout_align", where, f.Align))
			}
			if utf8.RuneCountInString(f.Pad) != 1 {
				fes = append(fes, field(where, "funds.err.layout_pad", where, f.Pad))
			}
			if f.Width < 0 || f.Width > 500 || (l.Format == "fixed" && f.Width == 0) {
				fes = append(fes, field(where, "funds.err.layout_width", where, f.Width))
			}
			if f.Source == "literal" && f.Width > 0 && utf8.RuneCountInString(f.Value) > f.Width {
				fes = append(fes, field(where, "funds.err.layout_literal", where, f.Value, f.Width))
			}
			if f.Truncate && f.Source != "name" && f.Source != "literal" && f.Source != "purpose" {
				fes = append(fes, field(where, "funds.err.layout_truncate", where, f.Source))
			}
		}
	}
	check("header", 'h', l.Header)
	check("detail", 'd', l.Detail)
	check("trailer", 't', l.Trailer)
	if len(l.Detail) > 0 {
		if !has["detail:payment"] && !has["detail:key"] {
			fes = append(fes, field("detail", "funds.err.layout_detail_id"))
		}
		if !has["detail:amount"] {
			fes = append(fes, field("detail", "funds.err.layout_detail_amount"))
		}
	}
	if !(has["header:count"] || has["trailer:count"]) || !(has["header:total"] || has["trailer:total"]) {
		fes = append(fes, field("trailer", "funds.err.layout_control"))
	}
	if len(fes) > 0 {
		return fieldsError(fes)
	}
	return nil
}

// Control is a batch file's control totals.
type Control struct {
	Count int64 `json:"count"`
	Total int64 `json:"total"`
}

// foldASCII writes s in capitals without accents.
func foldASCII(s string) string {
	r := strings.NewReplacer("á", "a", "é", "e", "í", "i", "ó", "o", "ú", "u", "ü", "u", "ñ", "n",
		"Á", "A", "É", "E", "Í", "I", "Ó", "O", "Ú", "U", "Ü", "U", "Ñ", "N")
	s = strings.ToUpper(r.Replace(s))
	return strings.Map(func(c rune) rune {
		if c < 32 || c > 126 {
			return '?'
		}
		return c
	}, s)
}

// batchWriter writes records of one layout.
type batchWriter struct {
	l   Layout
	w   *bufio.Writer
	csv *csv.Writer
	eol string
}

// errField is a value that does not fit its field.
type errField struct {
	payment int64
	field   string
	value   string
	width   int
}

func (e *errField) Error() string {
	return fmt.Sprintf("payment %d: %s %q is longer than %d", e.payment, e.field, e.value, e.width)
}

func (b *batchWriter) record(fs []Field, value func(f Field) string, payment int64) error {
	vals := make([]string, 0, len(fs))
	for _, f := range fs {
		v := ""
		if f.Source != "filler" {
			v = value(f)
		}
		if f.Upper {
			v = foldASCII(v)
		}
		if b.l.Format == "csv" {
			v = strings.NewReplacer("\r", " ", "\n", " ").Replace(v)
		}
		n := utf8.RuneCountInString(v)
		if f.Width > 0 && n > f.Width {
			if !f.Truncate {
				return &errField{payment, f.Name, v, f.Width}
			}
			v, n = string([]rune(v)[:f.Width]), f.Width
		}
		if b.l.Format == "fixed" && n < f.Width {
			pad := strings.Repeat(f.Pad, f.Width-n)
			if f.Align == "right" {
				v = pad + v
			} else {
				v += pad
			}
		}
		vals = append(vals, v)
	}
	if b.l.Format == "csv" {
		return b.csv.Write(vals)
	}
	for _, v := range vals {
		b.w.WriteString(v)
	}
	_, err := b.w.WriteString(b.eol)
	return err
}

// WriteBatch writes run's payments (in order) as a batch file of layout l
// to w, with its control totals.
func WriteBatch(w io.Writer, l Layout, run int64, date time.Time, payments []Payment) (Control, error) {
	var c Control
	for _, p := range payments {
		c.Count++
		c.Total += p.Amount
	}
	bw := &batchWriter{l: l, w: bufio.NewWriterSize(w, 1<<16), eol: "\r\n"}
	if l.LineEnd == "lf" {
		bw.eol = "\n"
	}
	if l.Format == "csv" {
		bw.csv = csv.NewWriter(bw.w)
		bw.csv.Comma, _ = utf8.DecodeRuneInString(l.Separator)
		bw.csv.UseCRLF = l.LineEnd == "crlf"
		// A CSV file's first line names the detail's columns.
		names := make([]string, len(l.Detail))
		for i, f := range l.Detail {
			names[i] = f.Name
		}
		if len(l.Header) == 0 {
			if err := bw.csv.Write(names); err != nil {
				return c, err
			}
		}
	}
	common := func(f Field) string {
		switch f.Source {
		case "literal":
			return f.Value
		case "run":
			return strconv.FormatInt(run, 10)
		case "date":
			return date.Format("20060102")
		case "count":
			return strconv.FormatInt(c.Count, 10)
		case "total":
			return strconv.FormatInt(c.Total, 10)
		}
		return ""
	}
	if len(l.Header) > 0 {
		if err := bw.record(l.Header, common, 0); err != nil {
			return c, err
		}
	}
	for i, p := range payments {
		body, dv, _ := strings.Cut(p.Payee.TaxID, "-")
		err := bw.record(l.Detail, func(f Field) string {
			switch f.Source {
			case "seq":
				return strconv.Itoa(i + 1)
			case "payment":
				return strconv.FormatInt(p.ID, 10)
			case "key":
				return p.Key
			case "tax_id":
				return p.Payee.TaxID
			case "tax_id_body":
				return body
			case "tax_id_dv":
				return dv
			case "name":
				return p.Payee.Name
			case "bank":
				return p.Payee.Bank
			case "account_kind":
				return p.Payee.AccountKind
			case "account":
				return p.Payee.Account
			case "amount":
				return strconv.FormatInt(p.Amount, 10)
			case "purpose":
				return string(p.Purpose)
			case "call":
				return p.Call
			}
			return common(f)
		}, p.ID)
		if err != nil {
			return c, err
		}
	}
	if len(l.Trailer) > 0 {
		if err := bw.record(l.Trailer, common, 0); err != nil {
			return c, err
		}
	}
	if bw.csv != nil {
		bw.csv.Flush()
		if err := bw.csv.Error(); err != nil {
			return c, err
		}
	}
	return c, bw.w.Flush()
}

// ExportRun writes an approved (or closed) run's batch file with layout l
// to w and records the export in the audit trail. A value that does not fit
// its field refuses the file, naming the payment and the field.
func (s *Store) ExportRun(ctx context.Context, id int64, l Layout, w io.Writer) (Control, error) {
	p, err := mover(ctx)
	if err != nil {
		return Control{}, err
	}
	if err := l.Validate(); err != nil {
		return Control{}, err
	}
	r, ps, err := s.Run(ctx, id)
	if err != nil {
		return Control{}, err
	}
	if r.State == RunPrepared {
		return Control{}, refuse(fosis.ECONFLICT, "funds.err.run_not_approved", id)
	}
	// Write to memory first: a value that does not fit refuses the file
	// before anything reaches w.
	var buf bytes.Buffer
	date := time.Now()
	if r.ApprovedAt != nil {
		date = *r.ApprovedAt
	}
	c, err := WriteBatch(&buf, l, id, date, ps)
	var ef *errField
	if errors.As(err, &ef) {
		return c, invalid(ef.field, "funds.err.layout_too_long", ef.payment, ef.field, ef.value, ef.width)
	}
	if err != nil {
		return c, err
	}
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		_, err := audit.Append(ctx, tx, audit.Entry{Actor: p.Username, ActorRole: string(p.Role), Action: "funds.payrun_export",
			Entity: "funds_payrun", EntityID: strconv.FormatInt(id, 10), After: map[string]any{"layout": l.Name, "count": c.Count, "total": c.Total}})
		return err
	})
	if err != nil {
		return c, err
	}
	_, err = w.Write(buf.Bytes())
	return c, err
}

// ResultRow is one row of a bank result file.
type ResultRow struct {
	Line    int    `json:"line"`
	Payment int64  `json:"payment"`
	Amount  int64  `json:"amount"`
	Paid    bool   `json:"paid"`
	Reason  string `json:"reason,omitempty"`
}

// maxResultRows bounds a result file.
const maxResultRows = 1_000_000

// ParseResults reads a bank result file: a header line naming the columns
// payment, amount, status and reason (any order; ';' or ','), one row per
// payment (status PAID or REJECTED, also PAGADO or RECHAZADO; a rejection
// needs the bank's reason code), and a last control row whose payment is
// TOTAL, whose amount is the sum of the rows' amounts and whose status is
// their count. Every bad row is named; nothing is returned unless all are
// good.
func ParseResults(data []byte) ([]ResultRow, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	first, _, _ := bytes.Cut(data, []byte("\n"))
	comma := ','
	if bytes.Count(first, []byte(";")) > bytes.Count(first, []byte(",")) {
		comma = ';'
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comma, cr.FieldsPerRecord, cr.ReuseRecord = comma, -1, true
	head, err := cr.Read()
	if err != nil {
		return nil, invalid("file", "funds.err.res_empty")
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	var fes []fosis.FieldError
	for _, c := range []string{"payment", "amount", "status", "reason"} {
		if _, ok := col[c]; !ok {
			fes = append(fes, field("header", "funds.err.res_column", c))
		}
	}
	if len(fes) > 0 {
		return nil, fieldsError(fes)
	}
	get := func(rec []string, c string) string {
		if i := col[c]; i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	var (
		rows     []ResultRow
		seen     = map[int64]int{}
		ctrl     *ResultRow
		ctrlN    int64
		sum      int64
		problems = func(line int, key string, args ...any) {
			if len(fes) < 100 {
				fes = append(fes, field("line "+strconv.Itoa(line), key, append([]any{line}, args...)...))
			}
		}
	)
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			// FieldPos has no record to point at after an error: the
			// parse error carries the line.
			line := 0
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.Line
			}
			problems(line, "funds.err.res_syntax")
			break
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if ctrl != nil {
			problems(line, "funds.err.res_after_control")
			continue
		}
		pay := get(rec, "payment")
		if strings.EqualFold(pay, "TOTAL") {
			ctrl = &ResultRow{Line: line}
			a, err1 := strconv.ParseInt(get(rec, "amount"), 10, 64)
			n, err2 := strconv.ParseInt(get(rec, "status"), 10, 64)
			if err1 != nil || err2 != nil {
				problems(line, "funds.err.res_control_syntax")
				continue
			}
			ctrl.Amount, ctrlN = a, n
			continue
		}
		if len(rows) >= maxResultRows {
			problems(line, "funds.err.res_too_many", maxResultRows)
			break
		}
		r := ResultRow{Line: line, Reason: get(rec, "reason")}
		var err1, err2 error
		r.Payment, err1 = strconv.ParseInt(pay, 10, 64)
		r.Amount, err2 = strconv.ParseInt(get(rec, "amount"), 10, 64)
		if err1 != nil || r.Payment <= 0 {
			problems(line, "funds.err.res_payment", pay)
			continue
		}
		if err2 != nil || r.Amount <= 0 {
			problems(line, "funds.err.res_amount_syntax", get(rec, "amount"))
			continue
		}
		switch strings.ToUpper(get(rec, "status")) {
		case "PAID", "PAGADO", "OK", "00":
			r.Paid = true
		case "REJECTED", "RECHAZADO":
			if r.Reason == "" {
				problems(line, "funds.err.res_reason")
				continue
			}
		default:
			problems(line, "funds.err.res_status", get(rec, "status"))
			continue
		}
		if len(r.Reason) > 200 {
			r.Reason = r.Reason[:200]
		}
		if prev, ok := seen[r.Payment]; ok {
			problems(line, "funds.err.res_duplicate", r.Payment, prev)
			continue
		}
		seen[r.Payment] = line
		sum += r.Amount
		rows = append(rows, r)
	}
	if len(fes) == 0 {
		switch {
		case ctrl == nil:
			fes = append(fes, field("file", "funds.err.res_no_control"))
		case ctrlN != int64(len(rows)) || ctrl.Amount != sum:
			fes = append(fes, field("line "+strconv.Itoa(ctrl.Line), "funds.err.res_control", ctrl.Line, ctrlN, fosis.Pesos(ctrl.Amount), len(rows), fosis.Pesos(sum)))
		case len(rows) == 0:
			fes = append(fes, field("file", "funds.err.res_empty"))
		}
	}
	if len(fes) > 0 {
		return nil, fieldsError(fes)
	}
	return rows, nil
}
