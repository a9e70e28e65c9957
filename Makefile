# roombench: every target sets itself up on first use (virtualenv, pinned
# dependencies, redis-server / chromium from the system's packages).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
RB := $(VENV)/bin/roombench
STAMP := $(VENV)/.installed-stamp
SCENARIO ?= loadtests/scenarios/default.toml
PORT ?= 5000
ASYNC_MODE ?= eventlet
PYTEST_ARGS ?=
LOADTEST_ARGS ?=

.PHONY: setup test test-fast serve loadtest bench bench-instructions report gate gate-selfcheck capacity lint clean system-redis system-chromium system-ss system-valgrind system-node node-chat

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip>=23"
	$(PY) -m pip install --quiet -c constraints.txt -e ".[dev]"
	@touch $@

# Install a Debian package when its binary is missing, or say how to get it.
# $(1) = binary, $(2) = Debian package.
define ensure_system_package
	@if ! command -v $(1) >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "$(1) not found: installing Debian package $(2)"; \
	    (apt-get install -y $(2) >/dev/null 2>&1 || (apt-get update >/dev/null && apt-get install -y $(2) >/dev/null)) \
	      || { echo "apt-get install $(2) failed" >&2; exit 1; }; \
	  else \
	    echo "$(1) not found: install it (Debian: sudo apt-get install $(2))" >&2; exit 1; \
	  fi; \
	fi
endef

system-redis:
	$(call ensure_system_package,redis-server,redis-server)

system-chromium:
	$(call ensure_system_package,chromium,chromium)

system-ss:
	$(call ensure_system_package,ss,iproute2)
	$(call ensure_system_package,ip,iproute2)

system-valgrind:
	$(call ensure_system_package,valgrind,valgrind)

system-node:
	$(call ensure_system_package,node,nodejs)
	$(call ensure_system_package,npm,npm)

# The Node.js chat server's socket.io (the version pinned in its package.json),
# installed into its git-ignored node_modules (no lockfile is written).
NODE_CHAT := loadtests/servers/node_chat
NODE_CHAT_STAMP := $(NODE_CHAT)/node_modules/.roombench-stamp
node-chat: system-node $(NODE_CHAT_STAMP)

$(NODE_CHAT_STAMP): $(NODE_CHAT)/package.json
	cd $(NODE_CHAT) && npm install --no-package-lock --no-audit --no-fund --loglevel=error
	@touch $@

# The whole suite: unit tests plus the bounded end-to-end tests against real servers.
test: setup system-redis system-chromium system-ss system-valgrind node-chat
	$(PY) -m pytest --durations=25 $(PYTEST_ARGS)

# Pure-logic tests only (no servers, no browser): seconds.
test-fast: setup
	$(PY) -m pytest -m "not slow and not browser" $(PYTEST_ARGS)

serve: setup
	$(PY) -m target_app --port $(PORT) --async-mode $(ASYNC_MODE)

# Runs the scenario, prints the summary table, writes reports/runs/<stamp>/index.html.
loadtest: setup system-redis node-chat
	$(RB) run $(SCENARIO) $(LOADTEST_ARGS)

bench: setup system-redis
	$(RB) bench

# The same, plus callgrind's instructions per delivery of the fan-out benchmarks without
# network I/O, into the same bench.json (docs/bench.md, "Instruction counts"; needs valgrind).
# BENCH_ARGS="--known-answer-extra-work" counts the +2 % known answer instead of the reference.
BENCH_ARGS ?=
bench-instructions: setup system-redis system-valgrind
	$(RB) bench --instructions $(BENCH_ARGS)

report: setup
	$(RB) report reports/runs/latest

# A/B in one job: base and candidate, 6 repeats a side interleaved ABBA (about
# 5 min on 2 cores), then judged (exit 0 pass, 1 regression, 3 inconclusive);
# GATE_ARGS=--adaptive adds repeats while it is inconclusive. BASE_REF=origin/main
# runs the base from a git worktree of that commit. With BASELINE=dir (and CANDIDATE=dir, default the
# latest run) it judges stored results instead. make reports any failure as
# its own exit 2; call `roombench gate` (or `roombench gate --baseline ...`)
# directly where the exact code matters (CI).
GATE_SCENARIO ?= loadtests/scenarios/gate.toml
CANDIDATE ?= reports/runs/latest
gate: setup system-redis
ifdef BASELINE
	$(RB) gate --baseline $(BASELINE) --candidate $(CANDIDATE) $(GATE_ARGS)
else
	$(RB) gate $(GATE_SCENARIO) $(if $(BASE_REF),--base-ref $(BASE_REF)) $(GATE_ARGS)
endif

# The gate's measured false-positive rate and power (docs/gate.md): a pool of
# interleaved runs (base, +1 ms, +2 ms; 12 blocks = 60 runs, about 25 min), then
# resampled gates. SELFCHECK_ARGS="--from DIR" re-judges a stored pool.
SELFCHECK_ARGS ?=
gate-selfcheck: setup system-redis
	$(RB) gate-selfcheck $(GATE_SCENARIO) $(SELFCHECK_ARGS)

# How much each configuration carries at an SLO (capacity.json + report under
# reports/runs/<stamp>/). CAPACITY_ARGS="--axis connections" etc.
# `make capacity SCENARIO=...` searches another scenario (SCENARIO alone names the
# loadtest's default, so only a SCENARIO given on the command line counts here).
CAPACITY_SCENARIO ?= $(if $(filter command line,$(origin SCENARIO)),$(SCENARIO),loadtests/scenarios/capacity.toml)
CAPACITY_ARGS ?=
capacity: setup system-redis node-chat
	$(RB) capacity $(CAPACITY_SCENARIO) $(CAPACITY_ARGS)

lint: setup
	$(VENV)/bin/ruff check target_app loadtests bench reports tests
	$(VENV)/bin/ruff format --check target_app loadtests bench reports tests
	$(VENV)/bin/mypy target_app loadtests reports bench

clean:
	rm -rf reports/runs .benchmarks .pytest_cache .mypy_cache .ruff_cache
