package web

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/fosis/fosis"
)

// Languages are the interface languages, the default first.
var Languages = []string{"es", "en"}

// The catalogs are split by feature, i18n/<lang>/<feature>.json, so that
// modules add their messages in files of their own; every language has the
// same files, and a key may appear in only one file.
//
//go:embed i18n
var catalogFS embed.FS

// catalog holds each language's messages by key ("nav.search"). Messages
// with arguments use fmt verbs (%s, %d).
type catalog map[string]map[string]string

func loadCatalog() (catalog, error) {
	c := catalog{}
	var files []string
	for i, lang := range Languages {
		entries, err := fs.ReadDir(catalogFS, "i18n/"+lang)
		if err != nil {
			return nil, err
		}
		var names []string
		for _, e := range entries {
			if !e.IsDir() && strings.HasSuffix(e.Name(), ".json") {
				names = append(names, e.Name())
			}
		}
		if i == 0 {
			files = names
		} else if !slices.Equal(names, files) {
			return nil, fmt.Errorf("i18n/%s has files %v, i18n/%s has %v: every language needs the same files",
				lang, names, Languages[0], files)
		}
		m := map[string]string{}
		from := map[string]string{}
		for _, name := range names {
			path := "i18n/" + lang + "/" + name
			b, err := catalogFS.ReadFile(path)
			if err != nil {
				return nil, err
			}
			part := map[string]string{}
			if err := json.Unmarshal(b, &part); err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			for k, v := range part {
				if prev, dup := from[k]; dup {
					return nil, fmt.Errorf("%s: key %q is also in %s", path, k, prev)
				}
				m[k], from[k] = v, path
			}
		}
		c[lang] = m
	}
	return c, nil
}

// T returns key's message in lang, formatted with args; the Spanish message
// if lang lacks it, and the key itself if both do (the catalog test prevents
// that).
func (c catalog) T(lang, key string, args ...any) string {
	msg, ok := c[lang][key]
	if !ok {
		if msg, ok = c["es"][key]; !ok {
			return key
		}
	}
	if len(args) == 0 {
		return msg
	}
	return fmt.Sprintf(msg, args...)
}

// Say returns a slice's keyed message (fosis.Phrase: an error's, a field
// problem's) in lang: the catalog's text for its key, formatted with its
// arguments (Phrase arguments said in lang first), or its English text when
// it has no key or no catalog knows the key.
func (c catalog) Say(lang string, p fosis.Phrase) string {
	msg, ok := c[lang][p.Key]
	if p.Key == "" || !ok {
		return p.Text
	}
	if len(p.Args) == 0 {
		return msg
	}
	args := make([]any, len(p.Args))
	for i, a := range p.Args {
		switch x := a.(type) {
		case fosis.Phrase:
			a = c.Say(lang, x)
		case fosis.Pesos:
			a = groupDigits(lang, int64(x))
		}
		args[i] = a
	}
	return fmt.Sprintf(msg, args...)
}

// phrased is what has a message the pages can translate: *fosis.Error,
// fosis.FieldError, a slice's report rows.
type phrased interface{ Phrase() fosis.Phrase }

// sayAny says v in lang: a phrased value, an error (a *fosis.Error in its
// chain, or the generic text), a string as it is.
func (c catalog) sayAny(lang string, v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case fosis.Phrase:
		return c.Say(lang, x)
	case phrased:
		return c.Say(lang, x.Phrase())
	case error:
		var e *fosis.Error
		if errors.As(x, &e) {
			return c.Say(lang, e.Phrase())
		}
		return fosis.ErrorMessage(x)
	case string:
		return x
	}
	return fmt.Sprint(v)
}

// validLang returns l if it is an interface language, else "".
func validLang(l string) string {
	for _, x := range Languages {
		if l == x {
			return l
		}
	}
	return ""
}

// acceptLang picks a language from Accept-Language for a visitor who has
// not chosen one: English if it comes before Spanish, else Spanish.
func acceptLang(r *http.Request) string {
	for part := range strings.SplitSeq(r.Header.Get("Accept-Language"), ",") {
		tag := strings.ToLower(strings.TrimSpace(strings.SplitN(part, ";", 2)[0]))
		switch {
		case strings.HasPrefix(tag, "es"):
			return "es"
		case strings.HasPrefix(tag, "en"):
			return "en"
		}
	}
	return "es"
}

// groupDigits writes n with the language's thousands separator.
func groupDigits(lang string, n int64) string {
	if lang == "en" {
		return fosis.GroupDigits(n, ',')
	}
	return fosis.GroupDigits(n, '.')
}

// decimal writes f with one decimal, the language's decimal mark and its
// thousands separator (99.967,7 in Spanish, 99,967.7 in English).
func decimal(lang string, f float64) string {
	s := strconv.FormatFloat(f, 'f', 1, 64)
	whole, frac, _ := strings.Cut(s, ".")
	if n, err := strconv.ParseInt(whole, 10, 64); err == nil && (n >= 1000 || n <= -1000) {
		whole = groupDigits(lang, n)
	}
	mark := "."
	if lang == "es" {
		mark = ","
	}
	return whole + mark + frac
}
