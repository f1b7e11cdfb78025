package client

import (
	"errors"
	"fmt"
	"strings"

	"github.com/acme/vault-token/openapi"
)

// Operations an error can name. The HTTP calls are the spec's operation IDs, the same
// strings package vaulttest records and injects faults by; the others are the client's
// own steps.
const (
	opLogin         = openapi.OpAuthenticate
	opOAuthLogin    = openapi.OpAuthenticateOAuth
	opVersions      = openapi.OpRetrieveAPIVersions
	opUserToken     = openapi.OpGenerateAPIAccessToken
	opMyToken       = openapi.OpGenerateMyAPIAccessToken
	opSandboxToken  = openapi.OpGenerateSandboxAPIAccessToken
	opQuery         = openapi.OpQueryAPIAccessTokens
	opQueryPage     = openapi.OpQueryAPIAccessTokensPage
	opDelete        = openapi.OpDeleteAPIAccessTokens
	opSessionUser   = openapi.OpValidateSessionUser
	opEndSession    = openapi.OpEndSession
	opNew           = "newClient"
	opChooseVersion = "chooseAPIVersion"
	opFindUser      = "findUser"
	opRotate        = "rotateAPIAccessToken"
)

// opNames are what error messages call each operation.
//
//nolint:gosec // operation names, not credentials ("Token" in a name is not a token)
var opNames = map[string]string{
	opLogin:         "log in",
	opOAuthLogin:    "log in with OAuth",
	opVersions:      "list API versions",
	opUserToken:     "generate API access token",
	opMyToken:       "generate my API access token",
	opSandboxToken:  "generate sandbox API access token",
	opQuery:         "list API access tokens",
	opQueryPage:     "list API access tokens (next page)",
	opDelete:        "revoke API access tokens",
	opSessionUser:   "find the authenticated user",
	opEndSession:    "end session",
	opNew:           "create client",
	opChooseVersion: "choose API version",
	opFindUser:      "find the authenticated user",
	opRotate:        "rotate API access token",
}

// prefix is how every error of this package begins: "vault: <operation>: ". An error that
// wraps another of the same operation uses detail, so the prefix appears once.
func prefix(op string) string {
	name, ok := opNames[op]
	if !ok {
		name = op
	}
	return "vault: " + name + ": "
}

// detail is err's message without the prefix of op.
func detail(err error, op string) string {
	return strings.TrimPrefix(err.Error(), prefix(op))
}

// opError is an error the client itself found while carrying out op.
type opError struct {
	op  string
	err error // fmt.Errorf's result: the text after the prefix, and what it wraps
}

func (e *opError) Error() string { return prefix(e.op) + e.err.Error() }
func (e *opError) Unwrap() error { return e.err }

// errorf is fmt.Errorf (with %w) for an error of op. An error argument of the same
// operation is printed without its prefix.
func errorf(op, format string, args ...any) error {
	for i, a := range args {
		if err, ok := a.(error); ok && strings.HasPrefix(err.Error(), prefix(op)) {
			args[i] = &sameOp{err, op}
		}
	}
	return &opError{op: op, err: fmt.Errorf(format, args...)}
}

// sameOp prints an error without the prefix its wrapper already has, and keeps it in the
// chain.
type sameOp struct {
	err error
	op  string
}

func (s *sameOp) Error() string { return detail(s.err, s.op) }
func (s *sameOp) Unwrap() error { return s.err }

// withOp names op in an *InputError that does not name one yet: the checks that find bad
// input do not know which call they serve.
func withOp(err error, op string) error {
	var in *InputError
	if errors.As(err, &in) && in.Op == "" {
		in.Op = op
	}
	return err
}
