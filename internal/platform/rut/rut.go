// Package rut parses, validates and formats Chilean RUN/RUT numbers: a body of
// up to 8 digits and a módulo-11 check digit (0–9 or K).
package rut

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// MaxBody is the largest body accepted (8 digits).
const MaxBody = 99_999_999

// Errors returned by Parse, wrapped with the offending text.
var (
	ErrEmpty      = errors.New("empty RUN")
	ErrSyntax     = errors.New("malformed RUN: expected digits with an optional check digit after a hyphen, e.g. 12.345.678-5")
	ErrCheckDigit = errors.New("check digit does not match")
	ErrRange      = errors.New("RUN body out of range")
)

// CheckDigit returns the módulo-11 check digit of body: '0'–'9' or 'K'.
func CheckDigit(body int64) byte {
	sum, mul := int64(0), int64(2)
	for b := body; b > 0; b /= 10 {
		sum += (b % 10) * mul
		mul++
		if mul > 7 {
			mul = 2
		}
	}
	switch r := 11 - sum%11; r {
	case 11:
		return '0'
	case 10:
		return 'K'
	default:
		return byte('0' + r)
	}
}

// Parse reads a RUN written with or without thousands dots and with or without
// the hyphen before the check digit ("12.345.678-5", "12345678-5", "123456785";
// k or K). It returns the body after verifying the check digit.
func Parse(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, ErrEmpty
	}
	body, dv, err := split(s)
	if err != nil {
		return 0, fmt.Errorf("%q: %w", s, err)
	}
	n, err := strconv.ParseInt(body, 10, 64)
	if err != nil || n <= 0 || n > MaxBody {
		return 0, fmt.Errorf("%q: %w", s, ErrRange)
	}
	if want := CheckDigit(n); dv != want {
		return 0, fmt.Errorf("%q: %w (expected %c)", s, ErrCheckDigit, want)
	}
	return n, nil
}

// split separates the digits of the body (dots removed and checked) from the
// check digit.
func split(s string) (body string, dv byte, err error) {
	var head string
	if i := strings.IndexByte(s, '-'); i >= 0 {
		head, s = s[:i], s[i+1:]
		if len(s) != 1 {
			return "", 0, ErrSyntax
		}
		dv = s[0]
	} else {
		if len(s) < 2 {
			return "", 0, ErrSyntax
		}
		head, dv = s[:len(s)-1], s[len(s)-1]
	}
	if dv == 'k' {
		dv = 'K'
	}
	if dv != 'K' && (dv < '0' || dv > '9') {
		return "", 0, ErrSyntax
	}
	if strings.IndexByte(head, '.') >= 0 {
		// Dots, when present, must group the digits in threes from the right.
		groups := strings.Split(head, ".")
		for i, g := range groups {
			if g == "" || len(g) > 3 || (i > 0 && len(g) != 3) {
				return "", 0, ErrSyntax
			}
		}
		head = strings.Join(groups, "")
	}
	if head == "" || len(head) > 9 {
		return "", 0, ErrSyntax
	}
	for i := 0; i < len(head); i++ {
		if head[i] < '0' || head[i] > '9' {
			return "", 0, ErrSyntax
		}
	}
	return head, dv, nil
}

// Format writes body with its check digit in the canonical form "12345678-5",
// the form used in files and the API.
func Format(body int64) string {
	return strconv.FormatInt(body, 10) + "-" + string(CheckDigit(body))
}

// FormatDots writes body in the human form "12.345.678-5".
func FormatDots(body int64) string {
	digits := strconv.FormatInt(body, 10)
	var b strings.Builder
	for i, c := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(c)
	}
	b.WriteByte('-')
	b.WriteByte(CheckDigit(body))
	return b.String()
}
