// Package vaulttest provides a fake Veeva Vault for tests, in the manner of
// net/http/httptest: [NewTestServer] starts a TLS server on loopback that closes when the
// test ends (and fails the test if it cannot start), [NewServer] one you close, returning
// the error if it cannot start; [Server.DNS] is the "vault DNS" to give a client,
// [Server.URL] its base URL, and [Server.Client] returns an *http.Client that trusts the
// server's certificate.
//
// The fake checks every request and every response against the OpenAPI spec in openapi/
// (kin-openapi's openapi3filter) and reports each violation through [Config.Report]
// (t.Errorf when built with NewTestServer), then answers the way the Vault documentation
// says Vault answers: HTTP 200 envelopes, error types, rate-limit headers, the 25-token
// cap (active tokens only), VeevaID users, sandboxes by name, sessions that expire on a
// clock the test controls ([Server.Advance]), auth defaulting and the versions list.
//
// OAuth 2.0 / OpenID Connect logins are served on the same address, which a client takes
// as its login host: POST /auth/oauth/session/{profile ID} for the profiles of
// [Config.OAuthProfiles], with a Bearer token from [Server.IdPToken], the fake's identity
// provider. An unknown token is refused with INVALID_TOKEN and an expired one with
// EXPIRED_TOKEN, as integrations see Vault refuse them.
//
// Tokens can be found and revoked as Vault documents: a VQL query on
// api_access_token__sys (the subset package client sends: SELECT of the documented fields,
// WHERE tests of id, name__v, user__sys and status__v joined by AND, with VQL's escapes;
// anything else is refused with INCORRECT_QUERY_SYNTAX_ERROR), paged by
// [Config.QueryPageSize] with next_page paths; and Delete Object Records, with one result
// per record (an unknown ID, another user's token without admin rights). Users see and
// delete their own tokens, admins anyone's; a token's last use is recorded when it
// authenticates a call. A token made for a sandbox authenticates in that sandbox's own
// Vault, where its tokens are listed and revoked: the fake serves every Vault from one
// address.
//
// Operations are named by the spec's operation IDs, as constants ([openapi.OpAuthenticate],
// [openapi.OpGenerateMyAPIAccessToken], ...): [Server.Inject] queues a [Fault] for the next call of
// one, [Server.Count] counts the calls received, and package client's errors carry the
// same names as their Op. What was received is recorded ([Server.Requests]) with secrets
// masked, within bounds, so that a process sending it large requests without end cannot
// grow it without end: the latest [MaxKeptRequests] requests, weighing at most
// [MaxKeptBytes]; [Server.Count] and [Server.WaitForRequests] count every request all the
// same, so assert on counts, and read Requests for the latest calls' contents. A body
// larger than [MaxRequestBody] is refused (FAILURE INVALID_DATA) and never acted on.
//
// The fake is strict: a request that breaks the spec gets an error reply in Vault's shape
// (FAILURE INVALID_DATA, or MALFORMED_URL for a path no operation has) and the violation is
// reported, so a test that passes against the fake does not fail against Vault for it.
// [Config.Lenient] answers such a request as if it did not break the spec.
//
// Its TLS certificate is made at each start: a fresh key that never leaves the process, the
// server's address as its only name, not a CA, valid for a day. [Server.Client] trusts it;
// [Server.CertificatePEM] gives it to other programs.
//
// For tests of timing (deadlines, delays, pauses), start the fake inside a testing/synctest
// bubble with [Config.InMemory]: it is then reached only through [Server.Client], over
// in-memory connections the bubble sees as durably blocked, so the fake's delays and your
// deadlines run on the bubble's clock. To act at the moment a call reaches the fake, wait
// with [Server.WaitForRequests]; to hold the call there until you are done, inject a
// [Fault] with Until. A fault's delay ends early when the client goes away.
//
// It depends on the spec and the generated types only, never on package client's
// internals, so it can test any client of the spec.
package vaulttest
