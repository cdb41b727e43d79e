// Package portal is the citizen's side of fosis (docs/portal.md): people
// sign in with an OpenID Connect provider (Chile's ClaveÚnica, or a partner
// country's own), see their household as the registry holds it with its
// bracket and the plain-words explanation of the score, and download a
// statement of it that staff can verify. A person reaches only their own
// household: the portal's principal (auth.RoleCitizen) carries the
// person's national ID, and the registry answers it with that household
// only (registry.Store.OwnHouseholdFile).
package portal

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/natid"
)

// OIDCConfig is the provider the portal signs people in with.
type OIDCConfig struct {
	Issuer       string   // e.g. https://accounts.claveunica.gob.cl/openid
	ClientID     string   //
	ClientSecret string   //
	RedirectURL  string   // this server's /portal/callback, as registered with the provider
	Scopes       []string // besides "openid"
	// IDClaim is the ID token's claim that carries the national ID (a
	// string or a number), e.g. "run"; a dotted path reads a nested claim.
	IDClaim string
}

// Provider signs people in: the authorization code flow with PKCE, state and
// nonce.
type Provider struct {
	cfg      OIDCConfig
	oauth    oauth2.Config
	verifier *oidc.IDTokenVerifier
	scheme   *natid.Scheme
}

// NewProvider reads the provider's discovery document.
func NewProvider(ctx context.Context, cfg OIDCConfig, scheme *natid.Scheme) (*Provider, error) {
	if cfg.Issuer == "" || cfg.ClientID == "" || cfg.RedirectURL == "" || cfg.IDClaim == "" {
		return nil, fmt.Errorf("portal: the OpenID Connect issuer, client id, redirect URL and ID claim are required")
	}
	op, err := oidc.NewProvider(ctx, cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("portal: the OpenID Connect provider %s: %w", cfg.Issuer, err)
	}
	return &Provider{
		cfg: cfg,
		oauth: oauth2.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, RedirectURL: cfg.RedirectURL,
			Endpoint: op.Endpoint(), Scopes: append([]string{oidc.ScopeOpenID}, cfg.Scopes...)},
		verifier: op.Verifier(&oidc.Config{ClientID: cfg.ClientID}),
		scheme:   scheme,
	}, nil
}

// Attempt is what the portal keeps in the person's session between sending
// them to the provider and their coming back.
type Attempt struct {
	State    string
	Nonce    string
	Verifier string
}

// Begin starts a sign-in: the provider's URL to send the person to, and the
// attempt to keep in their session.
func (p *Provider) Begin() (string, Attempt) {
	a := Attempt{State: random(), Nonce: random(), Verifier: oauth2.GenerateVerifier()}
	return p.oauth.AuthCodeURL(a.State, oidc.Nonce(a.Nonce), oauth2.S256ChallengeOption(a.Verifier)), a
}

// Finish completes a sign-in from the provider's answer (the callback's
// state and code) against the attempt kept in the session, and returns the
// person's national ID key. Every failure is a keyed refusal a person can
// act on: start again.
func (p *Provider) Finish(ctx context.Context, a Attempt, state, code string) (int64, error) {
	again := func(key, format string, args ...any) error {
		return fosis.KeyedErrorf(fosis.EUNAUTHORIZED, key, format, args...)
	}
	if a.State == "" || state != a.State {
		return 0, again("portal.err.state", "the sign-in could not be matched to this browser; start again")
	}
	if code == "" {
		return 0, again("portal.err.cancelled", "the sign-in was cancelled or refused by the provider; start again")
	}
	tok, err := p.oauth.Exchange(ctx, code, oauth2.VerifierOption(a.Verifier))
	if err != nil {
		return 0, again("portal.err.exchange", "the provider did not confirm the sign-in; start again")
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return 0, again("portal.err.token", "the provider's answer could not be verified; start again")
	}
	idt, err := p.verifier.Verify(ctx, raw)
	if err != nil {
		return 0, again("portal.err.token", "the provider's answer could not be verified; start again")
	}
	if idt.Nonce != a.Nonce {
		return 0, again("portal.err.token", "the provider's answer could not be verified; start again")
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return 0, again("portal.err.token", "the provider's answer could not be verified; start again")
	}
	v := claim(claims, p.cfg.IDClaim)
	if v == "" {
		return 0, fosis.KeyedErrorf(fosis.EFORBIDDEN, "portal.err.no_id", "the provider did not say your %s; it is needed to find your record", p.scheme.Name)
	}
	key, err := p.scheme.Parse(v)
	if err != nil {
		return 0, fosis.KeyedErrorf(fosis.EFORBIDDEN, "portal.err.bad_id", "the provider gave a %s that is not valid", p.scheme.Name)
	}
	return key, nil
}

// claim reads a claim by dotted path as text ("" if absent).
func claim(c map[string]any, path string) string {
	var v any = c
	for _, part := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = m[part]
	}
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return fmt.Sprintf("%.0f", x)
	}
	return ""
}

// random is 32 random bytes, URL-safe.
func random() string {
	var b [32]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
