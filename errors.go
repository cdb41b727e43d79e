// Package fosis holds the vocabulary every part of the system shares: the error
// codes that travel from the data layer to the user, and the keyed messages
// (Error.Key, Phrase, Pesos) that let the pages say a refusal in the
// reader's language; nothing else.
package fosis

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Error codes. They are few on purpose: each maps to one HTTP status and one
// exit behaviour, and callers branch on them, never on message text.
const (
	EINVALID      = "invalid"           // the input is wrong; the message says where and why
	ENOTFOUND     = "not_found"         // the thing asked for does not exist (or is outside scope)
	ECONFLICT     = "conflict"          // the request clashes with the current state
	EUNAUTHORIZED = "unauthorized"      // the caller is not signed in (or the credentials are wrong)
	EFORBIDDEN    = "forbidden"         // the caller may not do this
	EUNAVAILABLE  = "unavailable"       // a dependency is down or busy; retrying may help
	ELIMITED      = "too_many_requests" // the caller tried too often; Error.RetryAfter says when to try again
	EINTERNAL     = "internal"          // a bug or an unexpected failure; details are logged, not shown
)

// FieldError names one field that failed validation and why.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
	// Key and Args say Message in the interface catalogs' terms; see
	// Error.Key. Not part of the API's error shape.
	Key  string `json:"-"`
	Args []any  `json:"-"`
}

// Error is an error that is safe to show to a user: Code is one of the
// constants above and Message is written for a person.
type Error struct {
	Code    string
	Message string
	Fields  []FieldError
	// Key, when set, is the stable key of Message in the web catalogs
	// ("programs.err.call_not_open") and Args its arguments, in the order of
	// its format, so that pages say it in the reader's language. Message
	// stays the English text for the API, the command line and the logs. An
	// argument of type Phrase is translated too. Pages fall back to Message
	// when the catalog has no such key.
	Key  string
	Args []any
	// RetryAfter, for ELIMITED, is how long until a new attempt may
	// succeed: the pages and the API send it as Retry-After.
	RetryAfter time.Duration
}

// RetryAfter returns the Error.RetryAfter of the first *Error in err's
// chain (0 if none), rounded up to whole seconds as Retry-After says it.
func RetryAfter(err error) int {
	var e *Error
	if !errors.As(err, &e) || e.RetryAfter <= 0 {
		return 0
	}
	return int((e.RetryAfter + time.Second - 1) / time.Second)
}

// Phrase is a message argument that the pages translate too: a word of
// the catalogs (a status, a unit, a role: Key alone) or a whole keyed
// message (Key and Args, such as the first of several field problems).
// Text is its English, which Message uses (it is what %s and %v print).
type Phrase struct {
	Key  string
	Args []any
	Text string
}

// String returns the English text.
func (p Phrase) String() string { return p.Text }

// Pesos is an amount of Chilean pesos as a message argument (print it with
// %v or %s): its English text groups thousands with commas, 1,250,000, and
// the pages write it with the reader's separators, 1.250.000 in Spanish.
type Pesos int64

// String returns the amount with thousands grouped by commas.
func (p Pesos) String() string { return GroupDigits(int64(p), ',') }

// GroupDigits writes n with its thousands separated by sep (1,250,000 or
// 1.250.000): how the pages and the English messages write amounts and
// counts.
func GroupDigits(n int64, sep byte) string {
	s := strconv.FormatInt(n, 10)
	neg := s[0] == '-'
	if neg {
		s = s[1:]
	}
	b := make([]byte, 0, len(s)+len(s)/3+1)
	if neg {
		b = append(b, '-')
	}
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			b = append(b, sep)
		}
		b = append(b, s[i])
	}
	return string(b)
}

// Phrase returns the error's message as a Phrase (the pages translate it).
func (e *Error) Phrase() Phrase { return Phrase{Key: e.Key, Args: e.Args, Text: e.Message} }

// Phrase returns the field's message as a Phrase.
func (f FieldError) Phrase() Phrase { return Phrase{Key: f.Key, Args: f.Args, Text: f.Message} }

// Error implements the error interface.
func (e *Error) Error() string {
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// KeyedErrorf returns an *Error with the given code, its English message
// (format and args) and the catalog key that says it in other languages
// with the same args.
func KeyedErrorf(code, key, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Key: key, Args: args}
}

// KeyedField returns a FieldError for field with its English message
// (format and args) and its catalog key.
func KeyedField(field, key, format string, args ...any) FieldError {
	return FieldError{Field: field, Message: fmt.Sprintf(format, args...), Key: key, Args: args}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for
// any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err: the message of the
// first *Error in its chain, or a generic text for anything unexpected.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// HTTPStatus maps an error code to its HTTP status, for the API and the
// pages alike. It is the only place that does.
func HTTPStatus(code string) int {
	switch code {
	case EINVALID:
		return http.StatusBadRequest
	case EUNAUTHORIZED:
		return http.StatusUnauthorized
	case ENOTFOUND:
		return http.StatusNotFound
	case ECONFLICT:
		return http.StatusConflict
	case EFORBIDDEN:
		return http.StatusForbidden
	case EUNAVAILABLE:
		return http.StatusServiceUnavailable
	case ELIMITED:
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}
