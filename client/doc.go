// Package client manages Veeva Vault API access tokens from Go through their whole life:
// it creates them for a user by ID ([Client.GenerateAPIAccessToken]), for the user it
// authenticates as ([Client.GenerateMyAPIAccessToken]) and in a sandbox
// ([Client.GenerateSandboxAPIAccessToken]); finds them ([Client.ListAPIAccessTokens]),
// revokes them ([Client.RevokeAPIAccessTokens]) and replaces them
// ([Client.RotateAPIAccessToken]); and it lists the API versions a Vault supports
// ([Client.APIVersions]). It is the hand-written layer over the generated package gen:
//
//   - Authentication ([Credentials]): a session ID, an API access token, a user name and
//     password, or an OAuth 2.0 / OpenID Connect login with an identity provider's token
//     ([OAuth]), with secrets from a [SecretSource] of your own if you like. A login is
//     made once and shared by every goroutine; a refused one is not sent again.
//   - API version: pinned ([DefaultAPIVersion]), overridden ([WithAPIVersion]), or chosen from
//     the Vault's list ([WithLatestAPIVersion]).
//   - Errors: HTTP 200 with FAILURE or EXCEPTION is an [*APIError]; a reply that is not a
//     Vault envelope is an [*UnexpectedResponseError]; a token request whose outcome could
//     not be read is an [*UnknownOutcomeError] and is never retried; bad input is an
//     [*InputError], caught before any network call. Each has an Op, one of the Op
//     constants: the spec's operation IDs and the client's own steps ([OpRotate], ...).
//     Every message reads "vault: <operation>: <what happened>".
//   - Naming: Vault's error codes are [ErrorType] constants named ErrorTypeXxx for the code
//     ([ErrorTypeInvalidSessionID] is INVALID_SESSION_ID); the client's own conditions are
//     ErrXxx variables ([ErrInvalidInput], [ErrWrongVault], [ErrUnsupportedVersion],
//     [ErrLoginNotAttempted]). Both are matched with errors.Is.
//   - Secrets: token values, session IDs, passwords and identity provider tokens are
//     [Secret] values that print as [REDACTED]; text from the network is scrubbed of them
//     before it reaches an error.
//   - Metadata: every result and error carries a [Response] with the execution ID and
//     rate-limit data.
//
// Timeouts: without [WithHTTPClient], each HTTP exchange is bounded by [DefaultTimeout]
// (2 minutes); a login and a version discovery by [DefaultLoginTimeout] (30 seconds,
// [WithLoginTimeout]), on a context of their own; every call also ends with its context.
//
// A [Client] is safe for concurrent use. It speaks HTTPS only and never follows redirects.
// Package vaulttest provides a fake Vault to test code that uses this package.
package client
