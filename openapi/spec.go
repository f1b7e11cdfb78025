// Package openapi holds the OpenAPI description of Vault's API access token endpoints and
// the operation IDs it defines. The spec is three documents, one per base URL, written by
// hand in src/ with shared components and bundled (make bundle) into vault-api.yaml
// (https://{vaultDNS}/api/{version}), vault-versions.yaml (https://{vaultDNS}/api) and
// vault-login.yaml (https://{loginHost}), from which packages gen, gen/genversions and
// gen/genlogin are generated.
//
// Go code that needs the spec itself (a fake server that validates traffic, a test that
// checks examples) takes it from Documents rather than reading a file at run time. The
// package imports nothing, so depending on it adds nothing to a module's requirements.
package openapi

import _ "embed"

// SpecVersion is the info.version of each of the spec's documents (a test keeps them the
// same).
const SpecVersion = "28.0.0"

// Spec is vault-api.yaml, the document of the token calls, byte for byte.
//
//go:embed vault-api.yaml
var Spec []byte

// VersionsSpec is vault-versions.yaml, the document of the version list.
//
//go:embed vault-versions.yaml
var VersionsSpec []byte

// LoginSpec is vault-login.yaml, the document of Veeva's login service.
//
//go:embed vault-login.yaml
var LoginSpec []byte

// Documents are the spec's documents, by file name.
func Documents() map[string][]byte {
	return map[string][]byte{"vault-api.yaml": Spec, "vault-versions.yaml": VersionsSpec, "vault-login.yaml": LoginSpec}
}

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

// MaxActiveTokens is how many active API access tokens Vault lets a user hold, as the
// spec's token operations say: past it, a request fails with OPERATION_NOT_ALLOWED.
const MaxActiveTokens = 25

// Operations lists every operation ID in the spec.
func Operations() []string {
	return []string{
		OpGenerateAPIAccessToken, OpGenerateMyAPIAccessToken, OpGenerateSandboxAPIAccessToken,
		OpAuthenticate, OpAuthenticateOAuth, OpRetrieveAPIVersions,
		OpQueryAPIAccessTokens, OpQueryAPIAccessTokensPage, OpDeleteAPIAccessTokens,
		OpValidateSessionUser, OpEndSession, OpDiscoverAuthType,
	}
}
