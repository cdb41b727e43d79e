package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/fosis/fosis"
)

// Params are argon2id's cost parameters. They travel inside every stored hash
// (a PHC string), so raising them later only affects new hashes, and
// NeedsRehash tells which stored hashes to upgrade at the next sign-in.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes over the memory
	Threads uint8
	SaltLen uint32 // bytes
	KeyLen  uint32 // bytes
}

// DefaultParams are OWASP's recommended minimum for argon2id (Password
// Storage Cheat Sheet): 19 MiB of memory, 2 passes, 1 thread, with a 16-byte
// random salt and a 32-byte key. About 30–60 ms per hash on one core of the
// reference machine: slow enough to make guessing at scale expensive, cheap
// enough for sign-ins.
func DefaultParams() Params {
	return Params{Memory: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}
}

// Password rules.
const (
	MinPasswordLen = 12  // characters
	MaxPasswordLen = 256 // characters; bounds the work one request can ask of the hasher
)

// Bounds on the parameters a stored hash may ask for, so that a malformed or
// hostile string cannot make verification allocate gigabytes or loop for ever.
const (
	maxMemory  = 4 * 1024 * 1024 // KiB (4 GiB)
	maxTime    = 100
	minSaltLen = 8
	maxSaltLen = 64
	minKeyLen  = 16
	maxKeyLen  = 128
)

var b64 = base64.RawStdEncoding.Strict()

// HashPassword returns the PHC string of password under DefaultParams:
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>, salt and hash in standard
// base64 without padding.
func HashPassword(password string) (string, error) {
	return HashPasswordWith(DefaultParams(), password)
}

// HashPasswordWith is HashPassword with other parameters.
func HashPasswordWith(p Params, password string) (string, error) {
	if err := p.check(); err != nil {
		return "", err
	}
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

func (p Params) check() error {
	switch {
	case p.Threads < 1:
		return errors.New("argon2id: threads must be at least 1")
	case p.Memory < 8*uint32(p.Threads) || p.Memory > maxMemory:
		return fmt.Errorf("argon2id: memory must be %d to %d KiB", 8*uint32(p.Threads), maxMemory)
	case p.Time < 1 || p.Time > maxTime:
		return fmt.Errorf("argon2id: time must be 1 to %d", maxTime)
	case p.SaltLen < minSaltLen || p.SaltLen > maxSaltLen:
		return fmt.Errorf("argon2id: salt must be %d to %d bytes", minSaltLen, maxSaltLen)
	case p.KeyLen < minKeyLen || p.KeyLen > maxKeyLen:
		return fmt.Errorf("argon2id: key must be %d to %d bytes", minKeyLen, maxKeyLen)
	}
	return nil
}

// ParsePHC reads an argon2id PHC string. It accepts only the canonical form
// HashPassword writes (version 19, parameters m, t, p in that order in plain
// decimal, unpadded base64) and parameters within sane bounds.
func ParsePHC(s string) (p Params, salt, key []byte, err error) {
	bad := func(why string) (Params, []byte, []byte, error) {
		return Params{}, nil, nil, fmt.Errorf("not an argon2id hash: %s", why)
	}
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" {
		return bad("want $argon2id$v=19$m=…,t=…,p=…$salt$hash")
	}
	if parts[1] != "argon2id" {
		return bad(fmt.Sprintf("algorithm %q", parts[1]))
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return bad(fmt.Sprintf("version %q", parts[2]))
	}
	kv := strings.Split(parts[3], ",")
	if len(kv) != 3 {
		return bad("want the parameters m, t and p")
	}
	var vals [3]uint64
	for i, name := range []string{"m", "t", "p"} {
		v, ok := strings.CutPrefix(kv[i], name+"=")
		if !ok || !canonicalUint(v) {
			return bad(fmt.Sprintf("parameter %q", kv[i]))
		}
		if vals[i], err = strconv.ParseUint(v, 10, 32); err != nil {
			return bad(fmt.Sprintf("parameter %q", kv[i]))
		}
	}
	if vals[2] > 255 {
		return bad("p must be at most 255")
	}
	p = Params{Memory: uint32(vals[0]), Time: uint32(vals[1]), Threads: uint8(vals[2])}
	if salt, err = b64.DecodeString(parts[4]); err != nil || parts[4] == "" {
		return bad("salt is not unpadded base64")
	}
	if key, err = b64.DecodeString(parts[5]); err != nil || parts[5] == "" {
		return bad("hash is not unpadded base64")
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	if err := p.check(); err != nil {
		return bad(err.Error())
	}
	return p, salt, key, nil
}

// canonicalUint reports whether s is a decimal number without sign or
// leading zeros, so that one hash has one spelling.
func canonicalUint(s string) bool {
	if s == "" || len(s) > 10 || (len(s) > 1 && s[0] == '0') {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// VerifyPassword reports whether password matches the PHC string phc. It
// recomputes the hash with the parameters and salt the string carries and
// compares in constant time. The error is for a malformed phc.
func VerifyPassword(phc, password string) (bool, error) {
	p, salt, key, err := ParsePHC(phc)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// NeedsRehash reports whether phc was made with other parameters than
// DefaultParams (or cannot be read), so that it should be replaced by a fresh
// hash the next time the password is known.
func NeedsRehash(phc string) bool {
	p, _, _, err := ParsePHC(phc)
	return err != nil || p != DefaultParams()
}

// CheckPassword applies the password policy: at least MinPasswordLen
// characters (and at most MaxPasswordLen), not one character repeated, not
// the username. Length beats composition rules (NIST SP 800-63B), so there is
// no "one digit and one symbol" rule. The error is EINVALID on the field
// "password".
func CheckPassword(username, password string) error {
	n := utf8.RuneCountInString(password)
	var msg string
	switch {
	case n < MinPasswordLen:
		msg = fmt.Sprintf("must be at least %d characters long", MinPasswordLen)
	case n > MaxPasswordLen:
		msg = fmt.Sprintf("must be at most %d characters long", MaxPasswordLen)
	case !utf8.ValidString(password):
		msg = "is not valid text (UTF-8)"
	case oneRune(password):
		msg = "must not be one character repeated"
	case strings.EqualFold(strings.TrimSpace(password), strings.TrimSpace(username)):
		msg = "must not be the username"
	default:
		return nil
	}
	return &fosis.Error{Code: fosis.EINVALID, Message: "the password " + msg,
		Fields: []fosis.FieldError{{Field: "password", Message: msg}}}
}

func oneRune(s string) bool {
	first, _ := utf8.DecodeRuneInString(s)
	for _, r := range s {
		if r != first {
			return false
		}
	}
	return true
}

// GeneratePassword returns a random password of 24 letters and digits in
// groups of four (about 120 bits), for accounts an administrator creates.
func GeneratePassword() string {
	t := rand.Text()[:24] // base32: A–Z and 2–7, 5 bits a character
	var b strings.Builder
	for i := 0; i < len(t); i += 4 {
		if i > 0 {
			b.WriteByte('-')
		}
		b.WriteString(t[i : i+4])
	}
	return b.String()
}
