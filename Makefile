# ipcc — common tasks. `make run` starts the product; `make test` runs every test.
GO       ?= go
BIN      ?= bin/ipcc
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X main.version=$(VERSION)

NPM      ?= npm

.PHONY: build run test gotest web webtest e2e bench-web e2e-softphone lint bench clean

# The web console (web/, React + Vite) is built into web/dist and embedded
# in the binary; `go build` alone works too and then serves a page saying
# how to build the console.
web: web/node_modules/.package-lock.json
	cd web && $(NPM) run build

web/node_modules/.package-lock.json: web/package-lock.json web/package.json
	cd web && $(NPM) ci --no-audit --no-fund

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/ipcc

# Runs the controller on :8080 with the embedded SQLite database in ./data,
# plus the simulator in demo mode (a simulated FreeSWITCH and Asterisk with a
# trickle of simulated calls).
run: web build
	$(BIN) serve --demo --log-format text

# Every test, with the race detector. PostgreSQL tests run against
# 127.0.0.1:5432 when it is reachable (IPCC_TEST_POSTGRES=1 makes them fail
# instead of skipping when it is not).
test: gotest webtest

gotest:
	$(GO) test -race -count=1 -timeout 20m ./...

# The console's component tests (Vitest) and browser journeys (Playwright
# driving Debian's chromium against `ipcc serve --demo`).
webtest: web build
	cd web && $(NPM) test
	cd web && IPCC_BIN=../$(BIN) node e2e/run.mjs
	cd web && IPCC_BIN=../$(BIN) node e2e/qa.mjs

# qa.mjs runs the demo with its simulated callers (run.mjs turns them off).
e2e: web build
	cd web && IPCC_BIN=../$(BIN) node e2e/run.mjs
	cd web && IPCC_BIN=../$(BIN) node e2e/qa.mjs

# The console's speed targets (screen pop, supervisor grid under load, the
# 300-node flow editor): measured by every e2e run, but only this target fails
# when one is missed. Run it on an idle machine.
bench-web: web build
	cd web && IPCC_E2E_TARGETS=1 IPCC_E2E_JOURNEY=perf,flows-perf IPCC_BIN=../$(BIN) node e2e/run.mjs

# The browser softphone against a real FreeSWITCH; skips without
# IPCC_TEST_FREESWITCH_WS (docs/testing-real-switches.md).
e2e-softphone: web build
	cd web && IPCC_BIN=../$(BIN) node e2e/softphone.mjs

lint:
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

clean:
	rm -rf bin web/dist/assets web/dist/index.html
