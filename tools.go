//go:build tools

// This file pins the code generator's version in go.mod, so that `go generate` runs the
// same oapi-codegen for every maintainer and for CI. It imports what the generator's
// command imports beyond the standard library (a command itself cannot be imported), so
// go.mod and go.sum hold all that `go run .../cmd/oapi-codegen` needs; the build tag keeps
// it out of every build.
package vaulttoken

import (
	_ "github.com/oapi-codegen/oapi-codegen/v2/pkg/codegen"
	_ "github.com/oapi-codegen/oapi-codegen/v2/pkg/util"
	_ "go.yaml.in/yaml/v3"
)
