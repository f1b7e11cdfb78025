package client

import "github.com/acme/vault-token/openapi"

// Operations, as an error's Op names them. The HTTP calls are the spec's operation IDs,
// named once, in package openapi (openapi.OpAuthenticate, ...): the same strings package
// vaulttest records and injects faults by. These are the client's own steps.
const (
	OpNew              = "newClient"            // New and its options
	OpChooseAPIVersion = "chooseAPIVersion"     // WithAPIVersionCheck, WithLatestAPIVersion
	OpFindUser         = "findUser"             // the authenticated user's ID, for "my" tokens
	OpRotate           = "rotateAPIAccessToken" // RotateAPIAccessToken's own checks and steps
	OpParseDate        = "parseDate"            // ParseDate
)

// opNames are what error messages call each operation.
//
//nolint:gosec // operation names, not credentials ("Token" in a name is not a token)
var opNames = map[string]string{
	openapi.OpAuthenticate:                  "log in",
	openapi.OpAuthenticateOAuth:             "log in with OAuth",
	openapi.OpRetrieveAPIVersions:           "list API versions",
	openapi.OpGenerateAPIAccessToken:        "generate API access token",
	openapi.OpGenerateMyAPIAccessToken:      "generate my API access token",
	openapi.OpGenerateSandboxAPIAccessToken: "generate sandbox API access token",
	openapi.OpQueryAPIAccessTokens:          "list API access tokens",
	openapi.OpQueryAPIAccessTokensPage:      "list API access tokens (next page)",
	openapi.OpDeleteAPIAccessTokens:         "revoke API access tokens",
	openapi.OpValidateSessionUser:           "find the authenticated user",
	openapi.OpEndSession:                    "end session",
	openapi.OpDiscoverAuthType:              "discover how the user signs in",
	OpNew:                                   "create client",
	OpChooseAPIVersion:                      "choose API version",
	OpFindUser:                              "find the authenticated user",
	OpRotate:                                "rotate API access token",
}

func opName(op string) string {
	if name, ok := opNames[op]; ok {
		return name
	}
	return op
}
