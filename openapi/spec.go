// Package openapi holds the hand-written OpenAPI description of Vault's API access token
// endpoints (vault-api.yaml, the source of truth from which package gen is generated) and
// the operation IDs it defines.
//
// Go code that needs the spec itself (a fake server that validates traffic, a test that
// checks examples) takes it from Spec rather than reading a file at run time. The package
// imports nothing, so depending on it adds nothing to a module's requirements.
package openapi

import _ "embed"

// SpecVersion is the spec's info.version (a test keeps the two the same).
const SpecVersion = "26.2.0"

// Spec is vault-api.yaml, byte for byte.
//
//go:embed vault-api.yaml
var Spec []byte

// The spec's operation IDs: what the fake Vault records and injects faults by, and what
// package client's errors carry as their Op.
//
//nolint:gosec // operation names, not credentials ("Token" in a name is not a token)
const (
	OpGenerateAPIAccessToken        = "generateApiAccessToken"
	OpGenerateMyAPIAccessToken      = "generateMyApiAccessToken"
	OpGenerateSandboxAPIAccessToken = "generateSandboxApiAccessToken"
	OpAuthenticate                  = "authenticate"
	OpAuthenticateOAuth             = "authenticateOAuth"
	OpRetrieveAPIVersions           = "retrieveApiVersions"
	OpQueryAPIAccessTokens          = "queryApiAccessTokens"
	OpQueryAPIAccessTokensPage      = "queryApiAccessTokensPage"
	OpDeleteAPIAccessTokens         = "deleteApiAccessTokens"
	OpValidateSessionUser           = "validateSessionUser"
	OpEndSession                    = "endSession"
	OpDiscoverAuthType              = "discoverAuthType"
)

// Operations lists every operation ID in the spec.
func Operations() []string {
	return []string{
		OpGenerateAPIAccessToken, OpGenerateMyAPIAccessToken, OpGenerateSandboxAPIAccessToken,
		OpAuthenticate, OpAuthenticateOAuth, OpRetrieveAPIVersions,
		OpQueryAPIAccessTokens, OpQueryAPIAccessTokensPage, OpDeleteAPIAccessTokens,
		OpValidateSessionUser, OpEndSession, OpDiscoverAuthType,
	}
}
