// Package vaulttoken is the module's root: it holds the go:generate line that turns the
// spec in openapi/ into package gen, and tools.go, which pins the generator's version.
// Nothing imports it, so neither the generator nor its modules reach a program or a
// module that uses this one; the spec itself is in package openapi.
package vaulttoken

//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config openapi/oapi-codegen.yaml openapi/vault-api.yaml
