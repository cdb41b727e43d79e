package web

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/alexedwards/scs/v2"
)

// sessionCodec encodes the sessions' values, which are only int64s and
// strings (see the session keys), in a small binary form: scs's gob codec
// built a new gob decoder, and compiled its types, at every page view.
//
// The form: the magic "fs1", the deadline in Unix nanoseconds, the number of
// values, and each value as its key, a type byte ('i' int64, 's' string) and
// the value; numbers are varints, strings length-prefixed. Sessions written
// by the gob codec before (no magic) are still read with it.
type sessionCodec struct{}

var sessionMagic = []byte("fs1")

func (sessionCodec) Encode(deadline time.Time, values map[string]any) ([]byte, error) {
	b := append([]byte(nil), sessionMagic...)
	b = binary.AppendVarint(b, deadline.UnixNano())
	b = binary.AppendUvarint(b, uint64(len(values)))
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	slices.Sort(keys) // the same session encodes the same way
	for _, k := range keys {
		b = appendString(b, k)
		switch v := values[k].(type) {
		case int64:
			b = binary.AppendVarint(append(b, 'i'), v)
		case string:
			b = appendString(append(b, 's'), v)
		default:
			return nil, fmt.Errorf("session value %q is a %T: the session codec keeps int64s and strings only", k, v)
		}
	}
	return b, nil
}

func (sessionCodec) Decode(b []byte) (time.Time, map[string]any, error) {
	rest, ok := cutPrefix(b, sessionMagic)
	if !ok {
		return scs.GobCodec{}.Decode(b) // a session from before this codec
	}
	d := decoder{b: rest}
	deadline := time.Unix(0, d.varint()).UTC()
	n := d.uvarint()
	if d.err == nil && n > uint64(len(d.b))/3 { // a value takes three bytes at least
		d.err = errBadSession
	}
	if d.err != nil {
		return time.Time{}, nil, d.err
	}
	values := make(map[string]any, n)
	for i := uint64(0); i < n && d.err == nil; i++ {
		k := d.string()
		switch d.byte() {
		case 'i':
			values[k] = d.varint()
		case 's':
			values[k] = d.string()
		default:
			d.err = errBadSession
		}
	}
	if d.err == nil && len(d.b) != 0 {
		d.err = errBadSession
	}
	if d.err != nil {
		return time.Time{}, nil, d.err
	}
	return deadline, values, nil
}

var errBadSession = errors.New("session data: malformed")

func cutPrefix(b, prefix []byte) ([]byte, bool) {
	if len(b) < len(prefix) || string(b[:len(prefix)]) != string(prefix) {
		return b, false
	}
	return b[len(prefix):], true
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// decoder reads the codec's form; the first problem sticks in err.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = errBadSession
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errBadSession
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) byte() byte {
	if d.err != nil || len(d.b) == 0 {
		d.err = errBadSession
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) string() string {
	n := d.uvarint()
	if d.err != nil {
		return ""
	}
	if n > uint64(len(d.b)) {
		d.err = errBadSession
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}
