// Package e2e runs a client that ogen (github.com/ogen-go/ogen, a Go generator other than
// the one the library uses) generates from the spec's three documents against the fake Vault:
// a witness that the spec works for Go teams that pick another generator. It is a module
// of its own so that ogen and its dependencies stay out of the library's go.mod.
//
// make spec-e2e runs "go generate" here (the generated packages oas, oasversions and
// oaslogin, one per document, are not committed), then the test.
package e2e

// -loglevel error: ogen warns that it sends X-VaultAPI-ClientID as X-Vaultapi-Clientid,
// which HTTP treats as the same name.
//
//go:generate go tool ogen -loglevel error --target oas --package oas --clean ../vault-api.yaml
//go:generate go tool ogen -loglevel error --target oasversions --package oasversions --clean ../vault-versions.yaml
//go:generate go tool ogen -loglevel error --target oaslogin --package oaslogin --clean ../vault-login.yaml
