package vaulttest

import (
	"time"
)

// User is a Vault user the fake knows.
type User struct {
	ID       int64
	Username string
	Password string
	// VeevaID users sign in through VeevaID: Vault refuses to generate tokens for them.
	VeevaID bool
	// Admin users may generate tokens for other users; others only for themselves.
	Admin bool
	// DefaultsElsewhere makes the user unable to log in to this Vault, so that a login
	// returns a session for the other Vault (OtherVaultID, at OtherVaultDNS) instead:
	// Vault's auth defaulting.
	DefaultsElsewhere bool
	// SSO users sign in through single sign-on: a password login is refused with
	// USERNAME_OR_PASSWORD_INCORRECT, Authentication Type Discovery answers "sso" with the
	// Vault's OAuth profiles, and an OAuth login (with Server.IdPToken's token) works.
	SSO bool
}

// Token is a token the fake issued. Value is the real value: the fake is a test tool.
type Token struct {
	ID       string
	Name     string
	Value    string
	UserID   int64
	Sandbox  string // empty for the production Vault
	Expiry   string // expiry_date__v as sent; empty for never
	Created  time.Time
	LastUsed time.Time // when the token last authenticated a call; zero for never
	Revoked  time.Time // when the token's record was deleted; zero while it exists
	expireAt time.Time // zero for never
}

// Active reports whether the token is active at t: not expired, not revoked.
func (tok Token) Active(t time.Time) bool {
	return tok.Revoked.IsZero() && (tok.expireAt.IsZero() || t.Before(tok.expireAt))
}

type session struct {
	userID   int64
	created  time.Time
	lastUsed time.Time
	// elsewhere marks a session auth defaulting gave for the other Vault (OtherVaultID): useless here.
	elsewhere bool
}

// Fixed facts of the fake Vault.
const (
	// VaultID is the fake Vault's ID; OtherVaultID the one auth defaulting falls back to.
	VaultID      = 1776
	OtherVaultID = 1777
	// OtherVaultDNS is the DNS auth defaulting returns for users with DefaultsElsewhere.
	OtherVaultDNS = "other-veepharm.veevavault.com"
	// maxDeleteBatch is how many records one Delete Object Records call takes.
	maxDeleteBatch = 500
	sessionMaxAge  = 48 * time.Hour
	burstWindow    = 5 * time.Minute
	loginWindow    = time.Minute
)
