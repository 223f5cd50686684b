# vigil: `make synth` and `make test` set everything up on first use.
# The virtualenv (.venv) and node_modules are rebuilt only when their requirement files change.

PYTHON ?= python3
VENV := .venv
NODE_BIN := node_modules/.bin
ENV ?=
CDK_CONTEXT := $(if $(ENV),-c env=$(ENV),)
export PATH := $(CURDIR)/$(NODE_BIN):$(CURDIR)/$(VENV)/bin:$(PATH)

# Debian's Chromium, for the dashboard preview test and `vigil preview --images` (Playwright drives it; it never
# downloads a browser of its own). CI runs as root on Debian; elsewhere apt-get runs through sudo.
CHROMIUM := /usr/bin/chromium
AS_ROOT := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

LOCALSTACK_VENV := .venv-localstack
# LocalStack needs Python 3.13: from pyenv when it has one, else python3.13 on PATH.
PYTHON_LOCALSTACK ?= $(shell for p in $$(pyenv root 2>/dev/null)/versions/3.13*/bin/python3.13 \
	$$(command -v python3.13); do [ -x "$$p" ] && echo "$$p" && break; done)
LOCALSTACK_ENV := GATEWAY_LISTEN=127.0.0.1:4566 SKIP_SSL_CERT_DOWNLOAD=1 DISABLE_EVENTS=1 DNS_ADDRESS=0 \
	CFN_IGNORE_UNSUPPORTED_RESOURCE_TYPES=1 \
	LOCALSTACK_VOLUME_DIR=$(CURDIR)/.localstack
AWS_LOCAL := AWS_ENDPOINT_URL=http://127.0.0.1:4566 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \
	AWS_DEFAULT_REGION=us-east-1

.PHONY: setup browser synth test validate plan lock diff schema reference docs lint golden bench slo-timelines clean \
	local-venv local-up local-deploy local-down

setup: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt requirements-docs.txt
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

synth: setup ## Synthesize every environment (or ENV=prod) into cdk.out
	$(NODE_BIN)/cdk synth --quiet $(CDK_CONTEXT)
	@echo "cdk.out: $$(ls cdk.out/*.template.json | wc -l) templates"

browser: ## Install Debian's Chromium when it is missing (apt-get install chromium)
	@test -x $(CHROMIUM) || { $(AS_ROOT) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(AS_ROOT) apt-get install -y -qq chromium; }

test: setup browser local-venv ## Run the test suite, including end-to-end deploys on LocalStack
	VIGIL_E2E=1 $(VENV)/bin/python -m pytest

validate: setup ## Check every spec file for every environment
	$(VENV)/bin/python -m vigil validate

plan: setup ## Print what ENV deploys
	$(VENV)/bin/python -m vigil plan $(if $(ENV),--env $(ENV),)

lock: setup ## Write vigil.lock.json (which stack holds each alarm); commit it
	$(VENV)/bin/python -m vigil lock

bench: setup ## Time validate, plan and synthesis of 10,000 alarms against a hand-written CDK baseline (BENCH_ARGS="--repeat 2")
	$(VENV)/bin/python -m bench.run $(BENCH_ARGS)

slo-timelines: setup ## Draw when the example SLO (prod wwhd availability) pages and tickets, per scenario, into docs/slo-timelines
	$(VENV)/bin/python -m vigil slo simulate wwhd availability --env prod --out docs/slo-timelines

diff: setup ## cdk diff against the deployed stacks of ENV (needs AWS credentials)
	$(NODE_BIN)/cdk diff $(CDK_CONTEXT)

schema: setup ## Regenerate the JSON Schemas in schemas/
	$(VENV)/bin/python -m vigil schema --out schemas

reference: setup ## Regenerate docs/reference/ from the spec models and the CLI; review with git diff
	$(VENV)/bin/python -m vigil.docs

docs: setup ## Build the documentation site into site/ in strict mode (broken links fail)
	$(VENV)/bin/python -m vigil.docs --check
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/python -m mkdocs build --strict

lint: setup
	$(VENV)/bin/ruff check .

golden: setup ## Regenerate tests/golden from the example specs; review with git diff
	$(VENV)/bin/python -m tests.golden

local-venv: $(LOCALSTACK_VENV)/.installed

$(LOCALSTACK_VENV)/.installed: requirements-localstack.txt
	@test -n "$(PYTHON_LOCALSTACK)" || { echo "LocalStack needs Python 3.13 (pyenv install 3.13)"; exit 1; }
	test -x $(LOCALSTACK_VENV)/bin/python || $(PYTHON_LOCALSTACK) -m venv $(LOCALSTACK_VENV)
	$(LOCALSTACK_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-localstack.txt
	touch $@

local-up: local-venv ## Start LocalStack on 127.0.0.1:4566 in the background
	mkdir -p .localstack
	$(LOCALSTACK_ENV) nohup $(LOCALSTACK_VENV)/bin/python -m localstack.runtime.main > .localstack/localstack.log 2>&1 & \
	echo $$! > .localstack/pid
	@for i in $$(seq 1 120); do curl -sf http://127.0.0.1:4566/_localstack/health > /dev/null && exit 0; sleep 1; done; \
	echo "LocalStack did not start: see .localstack/localstack.log"; exit 1

local-deploy: setup ## Bootstrap and deploy ENV (default local) to the running LocalStack
	$(AWS_LOCAL) $(NODE_BIN)/cdk bootstrap aws://000000000000/us-east-1 -c env=$(or $(ENV),local)
	$(AWS_LOCAL) $(NODE_BIN)/cdk deploy -c env=$(or $(ENV),local) --require-approval never "vigil-$(or $(ENV),local)-*"

local-down: ## Stop the LocalStack started by local-up
	-test -f .localstack/pid && kill $$(cat .localstack/pid) && rm -f .localstack/pid

clean:
	rm -rf cdk.out .pytest_cache site
