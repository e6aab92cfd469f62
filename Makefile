# rheo build and test targets. `make test` is the command CI runs.
GO ?= go

.PHONY: run build test test-race e2e vet fuzz-short bench bench-api

run:
	$(GO) run ./cmd/rheo serve

build:
	$(GO) build -o rheo ./cmd/rheo

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...

# Everything CI runs: formatting and vet, unit and integration tests with the
# race detector, then the black-box tests against the built binary.
test: vet
	$(GO) test -race -timeout 20m ./internal/...
	$(GO) test -count=1 -timeout 20m ./test/...

fuzz-short:
	$(GO) test ./internal/seqnum -run '^$$' -fuzz FuzzDecode -fuzztime 20s

bench:
	$(GO) test ./internal/shardlog -run '^$$' -bench . -benchtime 2s

bench-api:
	bash bench/run-api.sh
