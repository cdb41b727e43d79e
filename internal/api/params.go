package api

import (
	"fmt"
	"net/url"
	"strconv"

	"github.com/fosis/fosis"
)

// The query parameters every paged list shares: one reading, one refusal.

// limitParam reads a limit query parameter: def if empty, else a whole
// number from 1 to max.
func limitParam(v string, def, max int) (int, error) {
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > max {
		return 0, &fosis.Error{Code: fosis.EINVALID, Message: fmt.Sprintf("limit must be a number from 1 to %d", max),
			Fields: []fosis.FieldError{{Field: "limit", Message: fmt.Sprintf("must be 1–%d", max)}}}
	}
	return n, nil
}

// cursorParam reads the page cursor in query parameter name (after, or
// before for lists read newest first): 0 when absent (the first page), else
// the next of a previous page, which is always a whole number from 1.
func cursorParam(q url.Values, name string) (int64, error) {
	v := q.Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 1 {
		return 0, &fosis.Error{Code: fosis.EINVALID, Message: name + " must be the next cursor of a previous page",
			Fields: []fosis.FieldError{{Field: name, Message: "not a cursor"}}}
	}
	return n, nil
}

// pageParams reads a paged list's cursor (cursorParam) and its limit
// (limitParam: def when absent, at most max).
func pageParams(q url.Values, cursor string, def, max int) (int64, int, error) {
	at, err := cursorParam(q, cursor)
	if err != nil {
		return 0, 0, err
	}
	limit, err := limitParam(q.Get("limit"), def, max)
	return at, limit, err
}
