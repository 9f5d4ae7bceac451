# axrpc: the two commands a newcomer needs are `make run` and `make test`.
# Both install missing Debian packages (apt-get, as root or through sudo) and build first.

SWIFT       ?= swift
PYTHON      ?= python3
VENV        ?= .venv
ARGS        ?=
APT_PACKAGES = libnghttp2-dev libprotobuf-c-dev protobuf-c-compiler protobuf-compiler \
               nghttp2-client curl nginx-light python3-venv
BIN          = .build/debug
INTEROP_ENV  = AXRPC_SERVER=$(CURDIR)/$(BIN)/axrpc-server AXLLM_EMULATOR=$(CURDIR)/$(BIN)/axllm-emulator \
               AXRPC_CLI=$(CURDIR)/$(BIN)/axrpc

.PHONY: run test build deps venv proto unit interop bench clean

run: build
	$(BIN)/axrpc-server $(ARGS)

test: build venv
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	$(INTEROP_ENV) $(VENV)/bin/pytest -q tests/interop

build: deps
	$(SWIFT) build

# Installs the Debian packages that are missing (nothing when all are there).
deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  sudo=""; [ "$$(id -u)" -eq 0 ] || sudo=sudo; \
	  $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $$missing; \
	fi

# The Python clients of the interop tests, in a venv (reinstalled when requirements change).
venv: $(VENV)/.installed
$(VENV)/.installed: tests/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -r tests/requirements.txt
	touch $@

# Regenerates the committed protobuf-c code and reflection's descriptor set from proto/.
proto: deps
	scripts/gen-proto.sh

unit: build
	$(SWIFT) test

interop: build venv
	$(INTEROP_ENV) $(VENV)/bin/pytest -q tests/interop

# Benchmarks against a C++ grpc++ and a Python grpcio anchor, measured side by side; writes
# BENCHMARKS.md. bench/setup.sh installs what it needs and builds release binaries into
# .build-bench. BENCH_ARGS goes to bench/run.py, e.g. `make bench BENCH_ARGS="--figure 2"`.
BENCH_ARGS ?=
bench: deps
	SWIFT="$(SWIFT)" PYTHON="$(PYTHON)" bench/setup.sh
	bench/out/venv/bin/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf .build $(VENV)
