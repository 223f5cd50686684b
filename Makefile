# vigil: `make synth` and `make test` set everything up on first use.
# The virtualenv (.venv) and node_modules are rebuilt only when their requirement files change.

PYTHON ?= python3
VENV := .venv
NODE_BIN := node_modules/.bin
ENV ?=
CDK_CONTEXT := $(if $(ENV),-c env=$(ENV),)
export PATH := $(CURDIR)/$(NODE_BIN):$(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: setup synth test validate plan lock diff schema lint golden bench clean

setup: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

synth: setup ## Synthesize every environment (or ENV=prod) into cdk.out
	$(NODE_BIN)/cdk synth --quiet $(CDK_CONTEXT)
	@echo "cdk.out: $$(ls cdk.out/*.template.json | wc -l) templates"

test: setup ## Run the test suite
	$(VENV)/bin/python -m pytest

validate: setup ## Check every spec file for every environment
	$(VENV)/bin/python -m vigil validate

plan: setup ## Print what ENV deploys
	$(VENV)/bin/python -m vigil plan $(if $(ENV),--env $(ENV),)

lock: setup ## Write vigil.lock.json (which stack holds each alarm); commit it
	$(VENV)/bin/python -m vigil lock

bench: setup ## Time validate, plan and synthesis of 10,000 alarms against a hand-written CDK baseline
	$(VENV)/bin/python -m bench.run

diff: setup ## cdk diff against the deployed stacks of ENV (needs AWS credentials)
	$(NODE_BIN)/cdk diff $(CDK_CONTEXT)

schema: setup ## Regenerate the JSON Schemas in schemas/
	$(VENV)/bin/python -m vigil schema --out schemas

lint: setup
	$(VENV)/bin/ruff check .

golden: setup ## Regenerate tests/golden from the example specs; review with git diff
	$(VENV)/bin/python -m tests.golden

clean:
	rm -rf cdk.out .pytest_cache
