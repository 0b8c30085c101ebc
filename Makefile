# The two commands a newcomer needs: `make run` and `make test`.
# Both need only Go; -race is used when a C compiler is available (cgo).

GO      ?= go
RACE    := $(shell [ "$$($(GO) env CGO_ENABLED)" = 1 ] && command -v "$$($(GO) env CC)" >/dev/null 2>&1 && echo -race)
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo dev)

.PHONY: run test build lint bench fuzz

## run: start Pinhole on the embedded defaults at http://127.0.0.1:8080
run:
	$(GO) run ./cmd/pinhole serve

## test: run every test (browser and service tests skip with a message when their tools are absent)
test:
	$(GO) test $(RACE) -count=1 $(TESTFLAGS) ./...

## build: build bin/pinhole
build:
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o bin/pinhole ./cmd/pinhole

## lint: gofmt, go vet and staticcheck (go install honnef.co/go/tools/cmd/staticcheck@latest)
lint:
	@test -z "$$(gofmt -l .)" || (gofmt -l . && echo "gofmt: the files above need formatting" && exit 1)
	$(GO) vet ./...
	staticcheck ./...

## bench: the home timeline benchmark, in-process and with wrk (apt-get install wrk)
bench:
	$(GO) test -run '^$$' -bench HomeTimeline -benchtime 3s ./cmd/pinhole
	$(GO) run ./cmd/pinhole bench timeline

## fuzz: fuzz the upload decode path for a bounded time
fuzz:
	$(GO) test -run '^$$' -fuzz FuzzProcess -fuzztime 60s ./media/imaging
