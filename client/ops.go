package client

import (
	"fmt"

	"github.com/acme/vault-token/openapi"
)

// Operations, as an error's Op names them. The HTTP calls are the spec's operation IDs
// (package openapi), the same strings package vaulttest records and injects faults by;
// OpNew, OpChooseAPIVersion, OpFindUser and OpRotate are the client's own steps.
const (
	OpAuthenticate                  = openapi.OpAuthenticate
	OpAuthenticateOAuth             = openapi.OpAuthenticateOAuth
	OpRetrieveAPIVersions           = openapi.OpRetrieveAPIVersions
	OpGenerateAPIAccessToken        = openapi.OpGenerateAPIAccessToken
	OpGenerateMyAPIAccessToken      = openapi.OpGenerateMyAPIAccessToken
	OpGenerateSandboxAPIAccessToken = openapi.OpGenerateSandboxAPIAccessToken
	OpQueryAPIAccessTokens          = openapi.OpQueryAPIAccessTokens
	OpQueryAPIAccessTokensPage      = openapi.OpQueryAPIAccessTokensPage
	OpDeleteAPIAccessTokens         = openapi.OpDeleteAPIAccessTokens
	OpValidateSessionUser           = openapi.OpValidateSessionUser
	OpEndSession                    = openapi.OpEndSession
	OpDiscoverAuthType              = openapi.OpDiscoverAuthType

	OpNew              = "newClient"            // New and its options
	OpChooseAPIVersion = "chooseAPIVersion"     // WithAPIVersionCheck, WithLatestAPIVersion
	OpFindUser         = "findUser"             // the authenticated user's ID, for "my" tokens
	OpRotate           = "rotateAPIAccessToken" // RotateAPIAccessToken's own checks and steps
)

// opNames are what error messages call each operation.
//
//nolint:gosec // operation names, not credentials ("Token" in a name is not a token)
var opNames = map[string]string{
	OpAuthenticate:                  "log in",
	OpAuthenticateOAuth:             "log in with OAuth",
	OpRetrieveAPIVersions:           "list API versions",
	OpGenerateAPIAccessToken:        "generate API access token",
	OpGenerateMyAPIAccessToken:      "generate my API access token",
	OpGenerateSandboxAPIAccessToken: "generate sandbox API access token",
	OpQueryAPIAccessTokens:          "list API access tokens",
	OpQueryAPIAccessTokensPage:      "list API access tokens (next page)",
	OpDeleteAPIAccessTokens:         "revoke API access tokens",
	OpValidateSessionUser:           "find the authenticated user",
	OpEndSession:                    "end session",
	OpDiscoverAuthType:              "discover how the user signs in",
	OpNew:                           "create client",
	OpChooseAPIVersion:              "choose API version",
	OpFindUser:                      "find the authenticated user",
	OpRotate:                        "rotate API access token",
}

func opName(op string) string {
	if name, ok := opNames[op]; ok {
		return name
	}
	return op
}

// vaultError is what every error type of this package is: it knows its operation and
// its message without the "vault: <operation>: " prefix, so that an error wrapping
// another of the package writes the prefix once.
type vaultError interface {
	error
	operation() string
	detail() string
}

// message is how an error of op prints: "vault: <operation>: <detail>".
func message(op, detail string) string {
	if op == "" { // ParseDate: input checked before any call
		return "vault: " + detail
	}
	return "vault: " + opName(op) + ": " + detail
}

// describe is err as part of the detail of an error of op: an error of this package
// without its prefix (naming its operation when that is another), any other as it prints.
func describe(err error, op string) string {
	// Only err itself: an error of this package that another error wraps is part of that
	// error's text, which prints as it is.
	ve, ok := err.(vaultError) //nolint:errorlint // the error itself, not its chain
	if !ok {
		return err.Error()
	}
	if ve.operation() == op {
		return ve.detail()
	}
	return opName(ve.operation()) + ": " + ve.detail()
}

// opError is an error the client itself found while carrying out op.
type opError struct {
	op  string
	err error // fmt.Errorf's result: the detail, and what it wraps
}

func (e *opError) Error() string     { return message(e.op, e.err.Error()) }
func (e *opError) Unwrap() error     { return e.err }
func (e *opError) operation() string { return e.op }
func (e *opError) detail() string    { return e.err.Error() }

// errorf is fmt.Errorf (with %w) for an error of op. An argument that is an error of this
// package prints without its prefix.
func errorf(op, format string, args ...any) error {
	for i, a := range args {
		if err, ok := a.(vaultError); ok {
			args[i] = &nested{err, op}
		}
	}
	return &opError{op: op, err: fmt.Errorf(format, args...)}
}

// nested is an error of this package inside another one's message.
type nested struct {
	err vaultError
	op  string // the wrapper's
}

func (n *nested) Error() string { return describe(n.err, n.op) }
func (n *nested) Unwrap() error { return n.err }

// badInput is the *InputError of op for field.
func badInput(op, field, reason string) *InputError {
	return &InputError{Op: op, Field: field, Reason: reason}
}
