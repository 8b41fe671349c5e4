# The two commands of the README: `make run` and `make test`. Everything else supports them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEB_PACKAGES := bind9-dnsutils python3-venv bind9 bind9-utils pdns-server pdns-backend-sqlite3 sqlite3
# Chromium drives the web UI's tests (Playwright uses Debian's browser; it downloads none).
DEB_PACKAGES += chromium
# promtool (in Debian's prometheus package) evaluates docs/prometheus-alerts.yml in the tests.
DEB_PACKAGES += prometheus
RUN_PACKAGES := python3-venv bind9-dnsutils
BENCH_PACKAGES := wrk
# Keystone and tempest, each in a venv of its own (their pins differ from ours and each other's),
# rebuilt only when their requirements file changes. See docs/conformance.md.
CONFORMANCE_VENVS := .venv-conformance
KEYSTONE_STAMP := $(CONFORMANCE_VENVS)/keystone/.installed
TEMPEST_STAMP := $(CONFORMANCE_VENVS)/tempest/.installed

.PHONY: run test check deps system-deps run-deps services bench-deps apt-install bench clean \
	keystone-deps conformance conformance-update conformance-deps

# The data lives in /var/lib/zonekeeper as root (~/.local/share/zonekeeper otherwise).
run: run-deps $(STAMP)
	$(BIN)/zonekeeper serve

test: system-deps services $(STAMP) $(KEYSTONE_STAMP) check
	$(BIN)/pytest -q -n 2 --dist loadfile
	$(MAKE) --no-print-directory conformance

# Designate's tempest API tests against a Zonekeeper behind Keystone, judged against
# tests/conformance/expected.txt (docs/conformance.md); conformance-update rewrites that list.
conformance: $(STAMP) conformance-deps
	$(BIN)/python -m tests.conformance.run

conformance-update: $(STAMP) conformance-deps
	$(BIN)/python -m tests.conformance.run --update

conformance-deps: $(KEYSTONE_STAMP) $(TEMPEST_STAMP)

# PostgreSQL, MariaDB and RabbitMQ as the tests expect them: started (installed first) only
# when not running; running ones are left alone.
services:
	scripts/services.sh

check: $(STAMP)
	$(BIN)/ruff format --check src tests bench
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy src
	$(BIN)/pytest -q tests/test_layers.py
	$(BIN)/python -c "import tempfile, zonekeeper.storage.migrate as m; \
		m.check('sqlite+aiosqlite:///' + tempfile.mkdtemp() + '/check.sqlite')"

# MariaDB, for the tests that run on it too (a server that does not answer fails them).
DEB_PACKAGES += mariadb-server

# Debian packages the tests drive (dig, BIND, PowerDNS); installed only when missing, as root.
system-deps:
	@$(MAKE) --no-print-directory apt-install PACKAGES="$(DEB_PACKAGES)"

# What `make run` needs: a venv, and dig to ask the mini-DNS (the README's quick start).
run-deps:
	@$(MAKE) --no-print-directory apt-install PACKAGES="$(RUN_PACKAGES)"

# What the benchmarks need on top (wrk loads the API).
bench-deps: system-deps
	@$(MAKE) --no-print-directory apt-install PACKAGES="$(BENCH_PACKAGES)"

apt-install:
	@missing=""; for p in $(PACKAGES); do \
		dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[test,keystone]"
	touch $(STAMP)

deps: $(STAMP)

keystone-deps: $(KEYSTONE_STAMP)

$(CONFORMANCE_VENVS)/%/.installed: tests/conformance/%-requirements.txt
	rm -rf $(CONFORMANCE_VENVS)/$*
	$(PYTHON) -m venv $(CONFORMANCE_VENVS)/$*
	$(CONFORMANCE_VENVS)/$*/bin/pip install -q --upgrade pip
	$(CONFORMANCE_VENVS)/$*/bin/pip install -q -r $<
	touch $@

bench: bench-deps $(STAMP)
	$(BIN)/python bench/create_cpu.py
	$(BIN)/python bench/api_write.py
	$(BIN)/python bench/axfr.py
	$(BIN)/python bench/propagation.py
	$(BIN)/python bench/sink.py
	$(BIN)/python bench/propagation_pool.py
	$(BIN)/python bench/import.py

clean:
	rm -rf $(VENV) $(CONFORMANCE_VENVS) .pytest_cache .mypy_cache .ruff_cache
