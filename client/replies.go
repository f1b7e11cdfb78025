package client

import (
	"github.com/acme/vault-token/client/internal/scrub"
	"github.com/acme/vault-token/gen"
	"github.com/acme/vault-token/gen/genlogin"
)

// The replies exchange decodes. Each embeds envelope, the fields every Vault reply shares,
// beside its own data, so that one json.Unmarshal reads both: the status that decides
// whether the call failed, and what it returned. The data fields are the spec's types
// (gen); gen's reply types are unions of one member per status, which would make a second
// decode necessary.

// envelopeFields are the fields every Vault reply shares, whatever its status: in the
// spec, those of each reply's members (a Result with its Status, or Refusal with its).
type envelopeFields struct {
	ResponseStatus  gen.ResponseStatus `json:"responseStatus"`
	ResponseMessage *string            `json:"responseMessage,omitempty"`
	Errors          *[]gen.Message     `json:"errors,omitempty"`
	ErrorType       *string            `json:"errorType,omitempty"`
	Warnings        *[]gen.Message     `json:"warnings,omitempty"`
}

// envelope is envelopeFields, embedded in each reply, with the scrubber exchange read the
// reply with: whatever is built from the reply's text goes through it.
type envelope struct {
	envelopeFields
	scrub *scrub.Scrubber
}

func (e *envelope) statusFields() *envelopeFields { return &e.envelopeFields }
func (e *envelope) replyEnvelope() *envelope      { return e }

// secretsCarried are the secrets a reply carries, which its own text must not echo: none but for
// the replies below that override it.
func (e *envelope) secretsCarried() []Secret { return nil }

// enveloped is a reply exchange can decode once.
type enveloped interface {
	statusFields() *envelopeFields
	replyEnvelope() *envelope
	secretsCarried() []Secret
}

// tokenReply is gen.TokenReply.
type tokenReply struct {
	envelope
	Data *gen.APIAccessToken `json:"data"`
}

func (r *tokenReply) secretsCarried() []Secret {
	if r.Data == nil {
		return nil
	}
	return []Secret{NewSecret(r.Data.Token)}
}

// authReply is gen.AuthReply.
type authReply struct {
	envelope
	SessionID *string         `json:"sessionId"`
	UserID    *int64          `json:"userId"`
	VaultID   *int64          `json:"vaultId"`
	VaultIDs  *[]gen.VaultRef `json:"vaultIds"`
}

func (r *authReply) secretsCarried() []Secret {
	if r.SessionID == nil {
		return nil
	}
	return []Secret{NewSecret(*r.SessionID)}
}

// versionsReply is gen.VersionsReply.
type versionsReply struct {
	envelope
	Values *map[string]string `json:"values"`
}

// discoveryReply is gen.DiscoveryReply.
type discoveryReply struct {
	envelope
	Data *genlogin.DiscoveryData `json:"data,omitempty"`
}

// sessionUserReply is gen.SessionUserReply.
type sessionUserReply struct {
	envelope
	Users []struct {
		User struct {
			ID       int64  `json:"id"`
			Username string `json:"user_name__v"`
		} `json:"user"`
	} `json:"users"`
}
