// Package vaulttest provides a fake Veeva Vault for tests, in the manner of
// net/http/httptest: [NewServer] starts a TLS server on loopback (and panics if it cannot;
// [Start] returns the error, [NewTestServer] fails the test), [Server.DNS] is the "vault
// DNS" to give a client, and [Server.Client] returns an *http.Client that trusts the
// server's certificate.
//
// The fake checks every request and every response against the OpenAPI spec in openapi/
// (kin-openapi's openapi3filter) and reports each violation through [Config.Report]
// (t.Errorf when built with NewTestServer), then answers the way the Vault documentation
// says Vault answers: HTTP 200 envelopes, error types, rate-limit headers, the 25-token
// cap, VeevaID users, sandboxes by name, sessions that expire on a clock the test controls
// ([Server.Advance]), auth defaulting and the versions list.
//
// Operations are named by the spec's operation IDs, as constants ([OpAuthenticate],
// [OpGenerateMyAPIAccessToken], ...): [Server.Inject] queues a [Fault] for the next call of
// one, [Server.Count] counts the calls received, and package client's errors carry the
// same names as their Op. Everything received is recorded ([Server.Requests]) with secrets
// masked.
//
// It depends on the spec and the generated types only, never on package client's
// internals, so it can test any client of the spec.
package vaulttest
