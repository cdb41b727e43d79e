package auth

import (
	"regexp"
	"strings"
	"testing"

	"github.com/fosis/fosis"
)

func TestHashPasswordRoundTrip(t *testing.T) {
	const pw = "correct horse battery staple"
	phc, err := HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`).MatchString(phc) {
		t.Errorf("PHC string %q is not in the expected form", phc)
	}
	p, salt, key, err := ParsePHC(phc)
	if err != nil || p != DefaultParams() || len(salt) != 16 || len(key) != 32 {
		t.Errorf("ParsePHC = %+v, %d-byte salt, %d-byte key, %v", p, len(salt), len(key), err)
	}
	for _, tt := range []struct {
		password string
		want     bool
	}{
		{pw, true},
		{"correct horse battery stapl", false},
		{"Correct horse battery staple", false},
		{"", false},
	} {
		if ok, err := VerifyPassword(phc, tt.password); ok != tt.want || err != nil {
			t.Errorf("VerifyPassword(%q) = %v, %v; want %v", tt.password, ok, err, tt.want)
		}
	}
	again, _ := HashPassword(pw)
	if again == phc {
		t.Error("two hashes of one password are equal: the salt is not random")
	}
	if NeedsRehash(phc) {
		t.Error("a fresh hash needs rehashing")
	}
	// Parameters travel in the string: a hash made with others still
	// verifies, and is flagged for rehashing.
	weak := Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 8, KeyLen: 16}
	old, err := HashPasswordWith(weak, pw)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := VerifyPassword(old, pw); !ok || err != nil {
		t.Errorf("VerifyPassword(weaker hash) = %v, %v", ok, err)
	}
	if !NeedsRehash(old) || !NeedsRehash("garbage") {
		t.Error("NeedsRehash misses other parameters or a bad string")
	}
	if _, err := HashPasswordWith(Params{Memory: 19456, Time: 0, Threads: 1, SaltLen: 16, KeyLen: 32}, pw); err == nil {
		t.Error("HashPasswordWith accepted t=0")
	}
}

func TestParsePHCRejectsBadStrings(t *testing.T) {
	good, err := HashPassword("some long password")
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(good, "$") // "", argon2id, v=19, m=…, salt, hash
	salt, key := parts[4], parts[5]
	join := func(p ...string) string { return strings.Join(p, "$") }
	tests := []struct{ name, phc string }{
		{"empty", ""},
		{"bcrypt", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"},
		{"argon2i", join("", "argon2i", "v=19", "m=19456,t=2,p=1", salt, key)},
		{"old version", join("", "argon2id", "v=16", "m=19456,t=2,p=1", salt, key)},
		{"no version", join("", "argon2id", "m=19456,t=2,p=1", salt, key)},
		{"no leading $", join("argon2id", "v=19", "m=19456,t=2,p=1", salt, key)},
		{"trailing $", good + "$"},
		{"parameters out of order", join("", "argon2id", "v=19", "t=2,m=19456,p=1", salt, key)},
		{"missing parameter", join("", "argon2id", "v=19", "m=19456,t=2", salt, key)},
		{"extra parameter", join("", "argon2id", "v=19", "m=19456,t=2,p=1,k=3", salt, key)},
		{"leading zero", join("", "argon2id", "v=19", "m=019456,t=2,p=1", salt, key)},
		{"signed", join("", "argon2id", "v=19", "m=+19456,t=2,p=1", salt, key)},
		{"spaces", join("", "argon2id", "v=19", "m=19456, t=2,p=1", salt, key)},
		{"no threads", join("", "argon2id", "v=19", "m=19456,t=2,p=0", salt, key)},
		{"too many threads", join("", "argon2id", "v=19", "m=19456,t=2,p=256", salt, key)},
		{"no passes", join("", "argon2id", "v=19", "m=19456,t=0,p=1", salt, key)},
		{"absurd memory", join("", "argon2id", "v=19", "m=4294967295,t=2,p=1", salt, key)},
		{"too little memory", join("", "argon2id", "v=19", "m=4,t=2,p=1", salt, key)},
		{"padded salt", join("", "argon2id", "v=19", "m=19456,t=2,p=1", salt+"==", key)},
		{"padded hash", join("", "argon2id", "v=19", "m=19456,t=2,p=1", salt, key+"=")},
		{"url-safe base64", join("", "argon2id", "v=19", "m=19456,t=2,p=1", "-_"+salt[2:], key)},
		{"short salt", join("", "argon2id", "v=19", "m=19456,t=2,p=1", "c2FsdA", key)},
		{"empty hash", join("", "argon2id", "v=19", "m=19456,t=2,p=1", salt, "")},
		{"short hash", join("", "argon2id", "v=19", "m=19456,t=2,p=1", salt, "aGFzaA")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, _, err := ParsePHC(tt.phc); err == nil {
				t.Errorf("ParsePHC(%q) accepted it", tt.phc)
			}
			if ok, err := VerifyPassword(tt.phc, "some long password"); ok || err == nil {
				t.Errorf("VerifyPassword(%q) = %v, %v; want an error", tt.phc, ok, err)
			}
		})
	}
}

func TestCheckPassword(t *testing.T) {
	tests := []struct {
		name, username, password, problem string
	}{
		{"long enough", "ana", "correct horse battery", ""},
		{"twelve characters", "ana", "abcdefghijk1", ""},
		{"twelve non-ASCII characters", "ana", "ñandú-ñandú-", ""},
		{"empty", "ana", "", "at least 12 characters"},
		{"eleven characters", "ana", "abcdefghijk", "at least 12 characters"},
		{"eleven characters in twelve bytes", "ana", "ñbcdefghijk", "at least 12 characters"},
		{"one character repeated", "ana", "aaaaaaaaaaaaaaaa", "one character repeated"},
		{"one non-ASCII character repeated", "ana", "ññññññññññññ", "one character repeated"},
		{"the username", "ana.perez.2026", "ana.perez.2026", "not be the username"},
		{"the username in capitals", "ana.perez.2026", "ANA.PEREZ.2026", "not be the username"},
		{"too long", "ana", strings.Repeat("ab", 129), "at most 256"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckPassword(tt.username, tt.password)
			if tt.problem == "" {
				if err != nil {
					t.Errorf("CheckPassword = %v, want nil", err)
				}
				return
			}
			fe, ok := err.(*fosis.Error)
			if !ok || fe.Code != fosis.EINVALID || len(fe.Fields) != 1 || fe.Fields[0].Field != "password" ||
				!strings.Contains(fe.Message, tt.problem) {
				t.Errorf("CheckPassword = %#v, want invalid password: %s", err, tt.problem)
			}
		})
	}
}

func TestGeneratePassword(t *testing.T) {
	seen := map[string]bool{}
	for range 20 {
		p := GeneratePassword()
		if !regexp.MustCompile(`^[A-Z2-7]{4}(-[A-Z2-7]{4}){5}$`).MatchString(p) {
			t.Errorf("GeneratePassword() = %q", p)
		}
		if err := CheckPassword("ana", p); err != nil {
			t.Errorf("a generated password fails the policy: %v", err)
		}
		if seen[p] {
			t.Errorf("GeneratePassword repeated %q", p)
		}
		seen[p] = true
	}
}
