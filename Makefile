# axrpc: the two commands a newcomer needs are `make run` and `make test`.
# Both install missing Debian packages (apt-get, as root or through sudo) and build first.
# `make install PREFIX=/usr/local` installs release binaries, the systemd unit and a default config.

SWIFT       ?= swift
PYTHON      ?= python3
VENV        ?= .venv
ARGS        ?=
# What building and running needs.
APT_PACKAGES = libnghttp2-dev libprotobuf-c-dev protobuf-c-compiler protobuf-compiler curl
# What only the tests need on top: h2load and nghttpd (nghttp2-client), nginx and haproxy as
# real proxies, systemd-analyze (systemd) for the unit, python3-venv for the clients' venv,
# openssl for the certificates the TLS tests make.
TEST_APT_PACKAGES = nghttp2-client nginx-light haproxy systemd python3-venv openssl
BIN          = .build/debug
INTEROP_ENV  = AXRPC_SERVER=$(CURDIR)/$(BIN)/axrpc-server AXLLM_EMULATOR=$(CURDIR)/$(BIN)/axllm-emulator \
               AXRPC_CLI=$(CURDIR)/$(BIN)/axrpc

# Install layout. DESTDIR stages a package; CONFIG=debug installs the debug build (the tests use
# it to avoid a second, release build).
PREFIX      ?= /usr/local
DESTDIR     ?=
BINDIR      ?= $(PREFIX)/bin
SYSCONFDIR  ?= $(PREFIX)/etc
UNITDIR     ?= $(PREFIX)/lib/systemd/system
DOCDIR      ?= $(PREFIX)/share/doc/axrpc
CONFIG      ?= release
PRODUCTS     = axrpc-server axrpc axllm-emulator

.PHONY: run test build deps test-deps venv proto unit interop bench clean install uninstall fuzz fuzz-build

# libFuzzer targets (fuzz/): `make fuzz FUZZ_SECONDS=600` runs each for that long; `make test`
# runs each briefly; `make fuzz FUZZ_RUNS=100000` runs each for that many inputs instead. Built
# with ASan in their own build folder.
FUZZ_SECONDS ?= 60
FUZZ_TEST_SECONDS ?= 15
FUZZ_TARGETS = deframer grpc-timeout metadata protobuf runtime-poll client-hello gateway-request

run: build
	$(BIN)/axrpc-server $(ARGS)

test: test-deps build venv
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	$(INTEROP_ENV) $(VENV)/bin/pytest -q tests/interop
	$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(FUZZ_TEST_SECONDS)

fuzz-build: deps
	AXRPC_FUZZ=1 $(SWIFT) build --build-path .build-fuzz --product axrpc-fuzz \
	    -Xswiftc -sanitize=fuzzer,address -Xcc -fsanitize=fuzzer-no-link,address

fuzz: fuzz-build
	scripts/fuzz.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

build: deps
	$(SWIFT) build

# Installs the Debian packages that are missing (nothing when all are there).
deps:
	@$(MAKE) --no-print-directory apt-install PACKAGES="$(APT_PACKAGES)"

test-deps:
	@$(MAKE) --no-print-directory apt-install PACKAGES="$(APT_PACKAGES) $(TEST_APT_PACKAGES)"

.PHONY: apt-install
apt-install:
	@missing=""; for p in $(PACKAGES); do \
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

# Release binaries, the systemd unit (paths rewritten for PREFIX), a default config (kept when
# one exists: it may hold the operator's edits) and the docs. Does not enable or start anything.
install: deps
	$(SWIFT) build -c $(CONFIG)
	install -d "$(DESTDIR)$(BINDIR)" "$(DESTDIR)$(SYSCONFDIR)/axrpc" "$(DESTDIR)$(UNITDIR)" "$(DESTDIR)$(DOCDIR)"
	set -e; bin="$$($(SWIFT) build -c $(CONFIG) --show-bin-path)"; \
	for p in $(PRODUCTS); do install -m 0755 "$$bin/$$p" "$(DESTDIR)$(BINDIR)/$$p"; done
	sed -e 's|/usr/local/bin/|$(BINDIR)/|g' -e 's|/usr/local/etc/|$(SYSCONFDIR)/|g' \
	    -e 's|/usr/local/share/doc/axrpc/|$(DOCDIR)/|g' deploy/systemd/axrpc.service > "$(DESTDIR)$(UNITDIR)/axrpc.service"
	chmod 0644 "$(DESTDIR)$(UNITDIR)/axrpc.service"
	[ -e "$(DESTDIR)$(SYSCONFDIR)/axrpc/axrpc.conf" ] || install -m 0644 deploy/axrpc.conf "$(DESTDIR)$(SYSCONFDIR)/axrpc/axrpc.conf"
	install -m 0644 README.md LICENSE docs/hardware.md "$(DESTDIR)$(DOCDIR)/"
	@echo "installed into $(DESTDIR)$(PREFIX); with systemd: systemctl daemon-reload && systemctl enable --now axrpc"

# Removes what install put there, except an edited config (compared with the shipped one).
uninstall:
	for p in $(PRODUCTS); do rm -f "$(DESTDIR)$(BINDIR)/$$p"; done
	rm -f "$(DESTDIR)$(UNITDIR)/axrpc.service"
	rm -rf "$(DESTDIR)$(DOCDIR)"
	if cmp -s deploy/axrpc.conf "$(DESTDIR)$(SYSCONFDIR)/axrpc/axrpc.conf"; then rm -f "$(DESTDIR)$(SYSCONFDIR)/axrpc/axrpc.conf"; \
	elif [ -e "$(DESTDIR)$(SYSCONFDIR)/axrpc/axrpc.conf" ]; then echo "kept $(DESTDIR)$(SYSCONFDIR)/axrpc/axrpc.conf (edited)"; fi
	-rmdir "$(DESTDIR)$(SYSCONFDIR)/axrpc" 2>/dev/null

# Regenerates the committed protobuf-c code and reflection's descriptor set from proto/.
proto: deps
	scripts/gen-proto.sh

unit: build
	$(SWIFT) test

interop: test-deps build venv
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
