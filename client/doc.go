// Package client is the hand-written layer over the generated package gen: it creates
// Veeva Vault API access tokens and adds what the spec alone cannot say.
//
//   - Authentication: a session ID, an API access token, or a user name and password
//     (logged in once, shared, renewed, checked against auth defaulting), with secrets
//     from a SecretSource of your own if you like.
//   - API version: pinned (DefaultAPIVersion), overridden, or chosen from the Vault's list.
//   - Errors: HTTP 200 with FAILURE or EXCEPTION is an *APIError, matched by type with
//     errors.Is (client.ErrInvalidSession); a reply that is not a Vault envelope is an
//     *UnexpectedResponseError; a token request whose outcome could not be read is an
//     *UnknownOutcomeError and is never retried; bad input is an *InputError, caught
//     before any network call.
//   - Secrets: token values, session IDs and passwords are Secret values that print as
//     [REDACTED] and never appear in errors or logs.
//   - Metadata: every result and error carries a Response with the execution ID and
//     rate-limit data.
//
// A Client is safe for concurrent use. It speaks HTTPS only and never follows redirects.
// Package vaulttest provides a fake Vault to test code that uses this package.
package client
