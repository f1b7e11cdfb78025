package client

import (
	"github.com/acme/vault-token/gen"
	"github.com/acme/vault-token/gen/genlogin"
)

// The replies exchange decodes. Each embeds envelope, the fields every Vault reply shares,
// beside its own data, so that one json.Unmarshal reads both: the status that decides
// whether the call failed, and what it returned. The data fields are the spec's types
// (gen); gen's reply types repeat the envelope's fields instead of embedding them, which
// would make a second decode necessary.

// envelope is gen.ResponseEnvelope, embedded in each reply.
type envelope struct{ gen.ResponseEnvelope }

func (e *envelope) fields() *gen.ResponseEnvelope { return &e.ResponseEnvelope }

// enveloped is a reply exchange can decode once.
type enveloped interface{ fields() *gen.ResponseEnvelope }

// tokenReply is gen.TokenReply.
type tokenReply struct {
	envelope
	Data *gen.APIAccessToken `json:"data"`
}

// authReply is gen.AuthReply.
type authReply struct {
	envelope
	SessionID *string         `json:"sessionId"`
	UserID    *int64          `json:"userId"`
	VaultID   *int64          `json:"vaultId"`
	VaultIDs  *[]gen.VaultRef `json:"vaultIds"`
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
