# ipcc — common tasks. `make run` starts the product; `make test` runs every test.
GO       ?= go
BIN      ?= bin/ipcc
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X main.version=$(VERSION)

.PHONY: build run test lint bench clean

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/ipcc

# Runs the controller on :8080 with the embedded SQLite database in ./data,
# plus the simulator in demo mode (a simulated FreeSWITCH and Asterisk with a
# trickle of simulated calls).
run: build
	$(BIN) serve --demo --log-format text

# Every test, with the race detector. PostgreSQL tests run against
# 127.0.0.1:5432 when it is reachable (IPCC_TEST_POSTGRES=1 makes them fail
# instead of skipping when it is not).
test:
	$(GO) test -race -count=1 -timeout 20m ./...

lint:
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

clean:
	rm -rf bin
