// Package vaulttoken is the module's root: it holds the go:generate lines that turn the
// spec's three documents in openapi/ into packages gen, gen/genversions and gen/genlogin,
// and tools.go, which pins the generator's version.
// Nothing imports it, so neither the generator nor its modules reach a program or a
// module that uses this one; the spec itself is in package openapi.
package vaulttoken

//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config openapi/oapi-codegen.yaml openapi/vault-api.yaml
//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config openapi/oapi-codegen-versions.yaml openapi/vault-versions.yaml
//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config openapi/oapi-codegen-login.yaml openapi/vault-login.yaml
