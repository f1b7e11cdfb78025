# Targets CI runs through .ci/run. Only Go (and git, for check-generated) is needed;
# linters are run with `go run` at pinned versions so nothing is installed globally.
GO            ?= go
GOLANGCI_LINT ?= $(GO) run github.com/golangci/golangci-lint/v2/cmd/golangci-lint@v2.15.0
# oasdiff runs with `go run module@version`, so it stays out of the library's go.mod.
OASDIFF       ?= $(GO) run github.com/oasdiff/oasdiff@v1.35.0
# The spec's three documents, one per base URL, bundled from openapi/src/ (make bundle).
SPEC_DOCS     := vault-api vault-versions vault-login
# The last published version of the spec: the baseline the breaking-change gate compares
# each document with, and the changes since then that oasdiff rates as breaking but are not
# on the wire, each with its reason.
SPEC_PUBLISHED ?= 28.0.0
SPEC_ACCEPTED  ?= openapi/published/accepted-since-$(SPEC_PUBLISHED).txt
# Node tools for the spec (Redocly, Spectral, openapi-typescript, tsc), pinned by
# openapi/tools/package-lock.json. Telemetry and update checks off: CI has no network for them.
TOOLS         := openapi/tools
NODE_ENV_VARS := REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true SCARF_ANALYTICS=false NO_UPDATE_NOTIFIER=1
NPX           := cd $(TOOLS) && $(NODE_ENV_VARS) npx --no-install

.PHONY: surface bundle check-bundled all generate check-generated vet lint test stress test-race bench bench-ci bench-fleet fuzz fuzz-ci demo fleet-demo man node-deps lint-spec ts-check breaking docs spec-e2e spec-checks

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

# vet also for Windows and macOS: the command runs there (exec_other.go, lock_other.go), and
# the README's go test ./... must at least build there; Unix-only tests carry a build tag.
# fleet/ is a module of its own (etcd stays out of the root module's go.mod), vetted and
# linted beside it.
vet:
	$(GO) vet ./...
	GOOS=windows $(GO) vet ./...
	GOOS=darwin $(GO) vet ./...
	cd fleet && $(GO) vet ./... && GOOS=darwin $(GO) vet ./...

lint: vet
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }
	$(GOLANGCI_LINT) run ./...
	cd fleet && $(GOLANGCI_LINT) run --config ../.golangci.yml ./...

# The full gate: generated code up to date, vet, then every test with the race detector:
# the README's command (both modules).
test: check-generated vet
	$(GO) test -race -count=1 ./... && cd fleet && $(GO) test -race -count=1 ./...

# The suite under -race while 8 busy loops keep both CPUs busy (it starts and stops its
# own load): the client package 3 times, the module once, TestTimeoutAfterSend 100 times.
# Run it after touching anything timed (logins, pauses, deadlines, the fake's faults).
stress:
	GO=$(GO) bash .ci/stress

# The benchmarks in bench/ (a module of its own, with ogen), side by side in one run:
# BENCHCOUNT rounds, each a fresh process running every group once, the implementations in
# an order rotated by one each round (-round), so that none always runs after the same
# one; then one run of the 1 GiB reply (its figure is its peak heap) and the command's
# start-up against a hello-world. Every benchmark reports process CPU time per op
# (cpu-ns/op, from getrusage) beside wall time. Writes docs/benchmarks.md (medians,
# ratios, benchstat's spreads and tests) and docs/benchmarks.txt, the raw results.
# About 15 minutes.
BENCHSTAT  ?= $(GO) run golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da
BENCHCOUNT ?= 8
BENCHRAW   := docs/benchmarks.txt
BENCHRUN   := out/bench.test -test.run '^$$' -test.benchtime 400ms
bench:
	cd bench && $(GO) generate ./... && $(GO) test -c -o out/bench.test .
	mkdir -p docs && rm -f bench/out/*.txt
	cd bench && for i in $$(seq $(BENCHCOUNT)); do \
		echo "== round $$i of $(BENCHCOUNT)"; \
		$(BENCHRUN) -test.bench '^BenchmarkGenerate$$' -round $$i >> out/generate.txt && \
		$(BENCHRUN) -test.bench '^BenchmarkGenerateParallel$$' -test.cpu 1,2 -round $$i >> out/parallel.txt && \
		$(BENCHRUN) -test.bench '^BenchmarkCredentials$$' -test.cpu 1,2 >> out/credentials.txt && \
		$(BENCHRUN) -test.bench '^BenchmarkGrowth$$' >> out/growth.txt && \
		out/bench.test -test.run '^$$' -test.bench '^BenchmarkStartup$$' -test.benchtime 20x >> out/startup.txt || exit 1; \
	done
	cd bench && out/bench.test -test.run '^$$' -test.bench '^BenchmarkHugeReply$$' -test.benchtime 1x > out/huge.txt
	cd bench/out && cat generate.txt parallel.txt credentials.txt growth.txt startup.txt huge.txt > ../../$(BENCHRAW)
	cd bench/out && $(BENCHSTAT) -col /impl generate.txt parallel.txt > benchstat.txt
	cd bench && $(GO) run ./report -benchstat out/benchstat.txt ../$(BENCHRAW) > ../docs/benchmarks.md
	@grep -A14 '^## Targets' docs/benchmarks.md
	$(MAKE) bench-fleet

# The fleet's benchmark (fleet/bench_test.go, fleet/kube/bench_test.go): one rotation seen
# by N consumers beside N bare watchers seeing a write of the same store, alternating in
# one loop: on a three-member etcd cluster at 100 consumers (BENCHCOUNT rounds of
# FLEETBENCHN rotations, each round a fresh process) and at 1,000 (FLEETBIGCOUNT rounds of
# FLEETBIGN), and on a real API server at 100 (BENCHCOUNT rounds of FLEETBENCHN). Writes
# the tables of docs/fleet-benchmark.md (each figure beside its target) and
# docs/fleet-benchmark.txt, the raw results. About 12 minutes.
FLEETBENCHN ?= 100
FLEETBIGN ?= 30
FLEETBIGCOUNT ?= 3
bench-fleet:
	cd fleet && $(GO) test -c -o out/fleet.test . && $(GO) test -c -o out/kube.test ./kube && rm -f out/fleet-bench.txt
	cd fleet && for i in $$(seq $(BENCHCOUNT)); do \
		out/fleet.test -test.run '^$$' -test.bench '^BenchmarkRotationSeen$$' -test.benchtime $(FLEETBENCHN)x >> out/fleet-bench.txt || exit 1; \
	done
	cd fleet && for i in $$(seq $(FLEETBIGCOUNT)); do \
		out/fleet.test -test.run '^$$' -test.bench '^BenchmarkRotationSeen$$' -test.benchtime $(FLEETBIGN)x -consumers 1000 >> out/fleet-bench.txt || exit 1; \
	done
	cd fleet/kube && for i in $$(seq $(BENCHCOUNT)); do \
		../out/kube.test -test.run '^$$' -test.bench '^BenchmarkRotationSeen$$' -test.benchtime $(FLEETBENCHN)x >> ../out/fleet-bench.txt || exit 1; \
	done
	cp fleet/out/fleet-bench.txt docs/fleet-benchmark.txt
	cd fleet && { sed -n '1,/^<!-- table -->$$/p' ../docs/fleet-benchmark.md; $(GO) run ./internal/benchreport < out/fleet-bench.txt; } > out/fleet-benchmark.md
	mv fleet/out/fleet-benchmark.md docs/fleet-benchmark.md
	@cat docs/fleet-benchmark.md | sed -n '/^<!-- table -->$$/,$$p'
	cd fleet && $(GO) test -run '^$$' -bench '^BenchmarkAgentFileReplaced$$' -benchtime 200x -count $(BENCHCOUNT) ./cmd/vault-token-fleet > ../docs/fleet-agent-benchmark.txt

# CI: the benchmarks build, agree on the token, and run once each (a 64 MiB reply instead
# of 1 GiB), so they cannot rot; nothing is measured.
bench-ci:
	cd bench && $(GO) generate ./... && $(GO) vet ./... && $(GO) test -count=1 ./...
	cd bench && $(GOLANGCI_LINT) run --config ../.golangci.yml ./...
	mkdir -p bench/out
	cd bench && $(GO) test -run '^$$' -bench . -benchtime 1x -cpu 1,2 . -args -hugesize=67108864 -round 1 > out/ci.txt
	cd bench && $(GO) run ./report out/ci.txt > /dev/null
	cd fleet && { $(GO) test -run '^$$' -bench '^BenchmarkRotationSeen$$' -benchtime 3x . ./kube; } | $(GO) run ./internal/benchreport > /dev/null

# Every fuzz target in the module, found by name so none can be left out: FUZZTIME each
# (30s; CI runs fuzz-ci, 20,000 inputs each: a count, not a duration, because when a
# duration's deadline passes while a worker is busy, Go's fuzzing coordinator can fail the
# target with a bare "context deadline exceeded" and no input, golang/go#51484 and #75804;
# it did in CI here on a busy machine. A count has no deadline to race). A failing input is written under the package's
# testdata/fuzz/, where it becomes part of the seed corpus that `go test` always runs.
# Minimizing a new interesting input is capped at 3s, or the run stalls on it.
FUZZTIME ?= 30s
fuzz:
	@grep -r --include='*_test.go' -o '^func Fuzz[A-Za-z0-9_]*' client cmd internal openapi | sort -u | \
	while IFS=: read -r file fn; do \
		pkg=./$$(dirname "$$file"); name=$${fn#func }; \
		echo "== $$name in $$pkg for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 3s "$$pkg" || exit 1; \
	done

# The exported identifiers of the library's packages, counted (the CHANGELOG's figures).
surface:
	$(GO) run ./internal/surface client client/vaulttest fleet fleet/kube

fuzz-ci:
	$(MAKE) fuzz FUZZTIME=20000x

demo:
	$(GO) run ./cmd/vault-token-fake demo

# The fleet on one machine: embedded etcd, consumers, a rotator that dies half-way.
fleet-demo:
	cd fleet && $(GO) run ./cmd/fleet-demo

# Man pages, one per command, from the command's own help (cobra's doc generator). A test
# renders them, so that vault-token does not link the renderer (docs/performance.md).
man:
	$(GO) test ./cmd/vault-token -run '^TestManPages$$' -count=1 -args -man-dir="$(CURDIR)/man"

# ---- The spec as a product for other teams ----

$(TOOLS)/node_modules/.package-lock.json: $(TOOLS)/package-lock.json
	cd $(TOOLS) && npm ci --no-audit --no-fund

node-deps: $(TOOLS)/node_modules/.package-lock.json

# Each document bundled from openapi/src/ (written by hand, sharing components.yaml) into
# openapi/, self-contained: what gen/, the fake and other teams' generators read.
bundle: node-deps
	for d in $(SPEC_DOCS); do \
		( $(NPX) redocly bundle ../src/$$d.yaml -o ../$$d.yaml >/dev/null ) && \
		{ printf '# Generated by make bundle from openapi/src/%s.yaml: do not edit.\n' "$$d"; cat openapi/$$d.yaml; } > openapi/$$d.yaml.tmp && \
		mv openapi/$$d.yaml.tmp openapi/$$d.yaml || exit 1; \
	done

# Fail when a bundle is not what openapi/src/ makes.
check-bundled: bundle
	@status="$$(git status --porcelain -- $(foreach d,$(SPEC_DOCS),openapi/$(d).yaml))"; \
	if [ -n "$$status" ]; then echo "the bundles are stale: run make bundle"; echo "$$status"; git diff --stat -- openapi/; exit 1; fi

# Two independent linters, no errors and no warnings, on each document.
lint-spec: node-deps
	$(NPX) redocly lint $(foreach d,$(SPEC_DOCS),../$(d).yaml) --format stylish
	for d in $(SPEC_DOCS); do ( $(NPX) spectral lint --fail-severity=hint ../$$d.yaml ) || exit 1; done

# TypeScript types generated from each document, once for ts-check and spec-e2e alike.
TS_TYPES := $(foreach d,$(SPEC_DOCS),$(TOOLS)/generated/$(d).ts)
$(TOOLS)/generated/%.ts: openapi/%.yaml $(TOOLS)/node_modules/.package-lock.json
	$(NPX) openapi-typescript ../$*.yaml -o generated/$*.ts

# Type-check a strict consumer against the generated types.
ts-check: $(TS_TYPES)
	$(NPX) tsc -p tsconfig.json

# Fail on a breaking change of any document against its published baseline, then prove
# the gate can fail.
breaking:
	for d in $(SPEC_DOCS); do \
		$(OASDIFF) breaking --fail-on ERR --err-ignore $(SPEC_ACCEPTED) openapi/published/$$d-$(SPEC_PUBLISHED).yaml openapi/$$d.yaml || exit 1; \
	done
	OASDIFF="$(OASDIFF)" bash $(TOOLS)/breaking-selftest.sh

# A single-page HTML reference per document in openapi/tools/build/ (ignored by git).
docs: node-deps
	for d in $(SPEC_DOCS); do ( $(NPX) redocly build-docs ../$$d.yaml --inlineBundle --output build/$$d.html ) || exit 1; done

# Clients generated from the spec's three documents by other teams' generators, run against
# the strict fake Vault: openapi-typescript + openapi-fetch, @hey-api/openapi-ts, orval,
# swagger-typescript-api, openapi-typescript-codegen, oazapfts and openapi-zod-client under
# Node against `vault-token fake` (each program compiled with strict: true, including the
# usual early exit on FAILURE/EXCEPTION that must narrow the reply), and ogen (a Go
# generator) in a module of its own (oapi-codegen's client is run by go test ./openapi):
# nine generators. Each logs in, reads a wrong password as a Failure, logs in with OAuth,
# lists the versions, creates four tokens, reads a FAILURE, ends its session and reads the
# FAILURE of ending it again; any failed step or request the fake refuses fails the target. openapi-typescript-codegen is run by its path:
# its command, openapi, has the name of one of Redocly CLI's, which npm may link instead.
spec-e2e: $(TS_TYPES)
	mkdir -p $(TOOLS)/generated/oazapfts $(TOOLS)/generated/zod
	for d in $(SPEC_DOCS); do \
		( $(NPX) openapi-ts -i ../$$d.yaml -o generated/hey-api/$$d -c @hey-api/client-fetch --no-log-file ) && \
		( $(NPX) swagger-typescript-api generate --path ../$$d.yaml --output generated/sta/$$d --name api.ts >/dev/null ) && \
		( cd $(TOOLS) && node node_modules/openapi-typescript-codegen/bin/index.js --input ../$$d.yaml --output generated/otc/$$d --client fetch ) && \
		( $(NPX) oazapfts ../$$d.yaml generated/oazapfts/$$d.ts ) && \
		( $(NPX) openapi-zod-client ../$$d.yaml -o generated/zod/$$d.ts >/dev/null ) || exit 1; \
	done
	# openapi-zod-client's defect: z.discriminatedUnion over allOf members, which zod refuses.
	sed -i 's/z\.discriminatedUnion("responseStatus", \[/z.union([/' $(TOOLS)/generated/zod/*.ts
	$(NPX) orval --config orval.config.cjs
	$(NPX) tsc -p e2e/tsconfig.json
	bash $(TOOLS)/e2e/run.sh $(foreach p,openapi-fetch hey-api orval sta otc oazapfts zod,"node $(TOOLS)/build/e2e/e2e/$(p).js")
	$(GO) test -count=1 -run '^TestOapiCodegenClient$$' ./openapi
	cd openapi/ogen-e2e && $(GO) generate ./... && $(GO) test -count=1 ./...

spec-checks: check-bundled lint-spec ts-check breaking docs spec-e2e
