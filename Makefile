# Every target installs what it needs on first use: a fresh clone needs only Python 3.11+, Terraform >= 1.10 (with
# the AWS provider from a local mirror or the registry) and the package registries.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
CHECKOV_VENV := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed
# Provider 6.x's schema ships inside this wheel's jsii assembly (21.22.1 <-> provider 6.25.0): the check of what
# provider 5.100 (validated, tested and applied here) cannot vouch for.
PROVIDER_WHEEL := build/cache/cdktf_cdktf_provider_aws-21.22.1-py3-none-any.whl
TERRAFORM ?= terraform
ARCH ?= x86_64
ENV ?= dev
# Extra arguments for terraform in `make plan|apply|destroy`, e.g. TF_ARGS=-auto-approve.
TF_ARGS ?=

export CHECKPOINT_DISABLE := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export IMGPIPE_PROVIDER_WHEEL := $(abspath $(PROVIDER_WHEEL))
export IMGPIPE_CHECKOV := $(abspath $(CHECKOV_VENV))/bin/checkov

.PHONY: help setup installed test lint fmt unit demo bench soak capacity layer package plan apply destroy clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "error: Python 3.11+ is required (PYTHON=$(PYTHON))" >&2; exit 2; }
	@command -v $(TERRAFORM) >/dev/null || { echo "error: terraform >= 1.10 is required on PATH (https://developer.hashicorp.com/terraform/install)" >&2; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[dev]'
	@touch $@

# checkov ships its own `hcl2` module, which clashes with python-hcl2: it gets a virtualenv of its own.
$(CHECKOV_STAMP): tests/terraform/checkov-requirements.txt
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install -q --upgrade pip
	$(CHECKOV_VENV)/bin/pip install -q -r tests/terraform/checkov-requirements.txt
	@touch $@

$(PROVIDER_WHEEL): | $(STAMP)
	$(VENV)/bin/pip download -q --no-deps -d build/cache cdktf-cdktf-provider-aws==21.22.1

# The two virtualenvs install at once (the schema wheel waits for .venv): on a fresh clone they are most of
# `make test`'s set-up time, 116 s one after the other, 74 s together.
setup: ## create .venv, .venv-checkov and fetch the provider schema
	@$(MAKE) --no-print-directory -j2 installed

installed: $(STAMP) $(CHECKOV_STAMP) $(PROVIDER_WHEEL)
	@:

# Four workers on two cores: the groups that apply stacks to the emulator spend most of their time waiting on
# the AWS provider's waiters, not on a CPU.
test: setup lint ## everything CI checks: lint, terraform validate/test/apply/destroy, checkov, every pytest suite
	$(VENV)/bin/pytest -q -n 4 --dist loadgroup

unit: $(STAMP) ## the fast tests only
	$(VENV)/bin/pytest -q tests/unit

lint: setup ## ruff, mypy, terraform fmt, checkov
	$(VENV)/bin/ruff check src tests bench scripts layers
	$(VENV)/bin/ruff format --check src tests bench scripts layers
	$(VENV)/bin/mypy
	$(TERRAFORM) fmt -check -recursive -diff .
	$(PY) tests/terraform/checkov_gate.py

fmt: $(STAMP) ## format Python and Terraform in place
	$(VENV)/bin/ruff format src tests bench scripts layers
	$(VENV)/bin/ruff check --fix src tests bench scripts layers
	$(TERRAFORM) fmt -recursive .

demo: $(STAMP) ## the whole pipeline on the local emulator (IMAGES=dir to use your own)
	$(PY) -m imgpipe.demo $(if $(IMAGES),--images "$(IMAGES)")

bench: $(STAMP) ## engine benchmark -> build/bench/results.json (BENCH_CORPUS=dir)
	$(VENV)/bin/pip install -q -e '.[bench]' || echo "note: pyvips unavailable, benchmark runs without it" >&2
	$(PY) bench/bench.py && $(PY) bench/hostile.py

soak: $(STAMP) ## fault-injected load on the local stack -> build/soak/results.json
	$(PY) bench/soak.py

capacity: $(STAMP) ## docs/capacity.md and its plot from build/bench/results.json
	$(VENV)/bin/pip install -q -e '.[bench]'
	$(PY) bench/capacity.py

layer: $(STAMP) ## build/layer-$(ARCH).zip (ARCH=x86_64|arm64)
	$(PY) layers/build.py --arch $(ARCH)

package: $(STAMP) ## build/function.zip from src/image_processor
	$(PY) scripts/package_function.py

plan apply destroy: $(STAMP) ## terraform for ENV=dev|staging|prod (AWS credentials, or AWS_ENDPOINT_URL for the emulator)
	$(PY) scripts/terraform_env.py $@ --env $(ENV) $(if $(filter command line environment,$(origin ARCH)),--arch $(ARCH)) $(if $(TF_ARGS),-- $(TF_ARGS))

clean: ## remove build outputs (keeps the virtualenvs)
	rm -rf build
