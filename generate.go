// Package vaulttoken holds the hand-written OpenAPI description of Vault's API access
// token endpoints, the source of truth from which package gen is generated.
//
// Go code that needs the spec itself (a fake server that validates traffic, a test
// that checks examples) takes it from Spec rather than reading a file at run time.
package vaulttoken

import _ "embed"

//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config openapi/oapi-codegen.yaml openapi/vault-api.yaml

// Spec is openapi/vault-api.yaml, byte for byte.
//
//go:embed openapi/vault-api.yaml
var Spec []byte
