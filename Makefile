# Targets CI runs through .ci/run. Only Go (and git, for check-generated) is needed;
# linters are run with `go run` at pinned versions so nothing is installed globally.
GO            ?= go
GOLANGCI_LINT ?= $(GO) run github.com/golangci/golangci-lint/v2/cmd/golangci-lint@v2.15.0

.PHONY: all generate check-generated vet lint test test-race bench demo

all: test lint

# Regenerate gen/ from openapi/ (the spec and the oapi-codegen config).
generate:
	$(GO) generate ./...

# Fail when gen/ is not what the spec generates: regenerate in place, then ask git for
# any change or untracked file under gen/.
check-generated: generate
	@status="$$(git status --porcelain --untracked-files=all -- gen/)"; \
	if [ -n "$$status" ]; then \
		echo "gen/ is stale: run 'make generate' and commit the result:"; echo "$$status"; \
		git --no-pager diff --stat -- gen/; exit 1; \
	fi

vet:
	$(GO) vet ./...

lint: vet
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }
	$(GOLANGCI_LINT) run ./...

# The full gate: generated code up to date, vet, then every test with the race detector.
test: check-generated vet
	$(GO) test -race -count=1 ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

demo:
	$(GO) run ./cmd/vault-token demo
