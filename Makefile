# The two commands a newcomer needs: `make run` and `make test`.
# Both need only Go; -race is used when a C compiler is available (cgo).

GO      ?= go
RACE    := $(shell [ "$$($(GO) env CGO_ENABLED)" = 1 ] && command -v "$$($(GO) env CC)" >/dev/null 2>&1 && echo -race)
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo dev)
# The libvips image processor is built in when pkg-config finds libvips
# (Debian: libvips-dev); otherwise Pinhole uses its pure-Go processor.
TAGS    := $(shell pkg-config --exists vips 2>/dev/null && echo -tags vips)

.PHONY: run test build lint bench bench-media bench-cluster fuzz cluster

## run: start Pinhole on the embedded defaults at http://127.0.0.1:8080
run:
	$(GO) run $(TAGS) ./cmd/pinhole serve

## test: run every test (browser and service tests skip with a message when their tools are absent)
test:
	$(GO) test $(RACE) $(TAGS) -count=1 $(TESTFLAGS) ./...

## cluster: a local cluster — HAProxy, two web nodes, a worker and a scheduler on
## PostgreSQL (two shard databases, a streaming replica), Redis and NATS (apt-get install postgresql haproxy redis-server nats-server)
cluster:
	$(GO) run ./deploy/local $(CLUSTERFLAGS)

## build: build bin/pinhole
build:
	$(GO) build $(TAGS) -ldflags "-X main.version=$(VERSION)" -o bin/pinhole ./cmd/pinhole

## lint: gofmt, go vet and staticcheck (go install honnef.co/go/tools/cmd/staticcheck@latest)
lint:
	@test -z "$$(gofmt -l .)" || (gofmt -l . && echo "gofmt: the files above need formatting" && exit 1)
	$(GO) vet $(TAGS) ./...
	staticcheck $(TAGS) ./...

## bench: the home timeline benchmark, in-process and with wrk (apt-get install wrk)
bench:
	$(GO) test -run '^$$' -bench HomeTimeline -benchtime 3s ./cmd/pinhole
	$(GO) run ./cmd/pinhole bench timeline

## bench-cluster: the home timeline on the local cluster beside the embedded server, and the load per database
bench-cluster:
	$(GO) run ./cmd/pinhole bench cluster

## bench-media: a 12 MP photo from upload to ready, beside vipsthumbnail (apt-get install libvips-tools)
bench-media:
	$(GO) test $(TAGS) -run '^$$' -bench . -benchtime 5x ./media/imaging/...
	$(GO) run $(TAGS) ./cmd/pinhole bench media

## fuzz: fuzz the upload decode path for a bounded time
fuzz:
	$(GO) test -run '^$$' -fuzz FuzzProcess -fuzztime 60s ./media/imaging
