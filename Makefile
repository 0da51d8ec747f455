# The project's commands. `make demo` and `make test` set up everything they need.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: venv prereqs prereqs-openstack prereqs-upstream image env-up env-down env-status lint check test demo demo-down bench chaos clean

venv: $(VENV)/.stamp
$(VENV)/.stamp: pyproject.toml scripts/venv.sh
	@bash scripts/venv.sh

# Build or install what the local environment runs (cached outside git, so only the first
# run is slow): kube-apiserver, etcd and helm from the Go module proxy, LocalStack under
# Python 3.13.
prereqs: venv
	@bash scripts/build-kube.sh >/dev/null
	@bash scripts/build-helm.sh >/dev/null
	@bash localstack/install.sh >/dev/null

# The upstream managers the tests run beside lbcontroller (the sidecar test's neighbour):
# aws-cloud-controller-manager and openstack-cloud-controller-manager from the Go module
# proxy, cached like kube-apiserver.
prereqs-upstream: venv
	@bash scripts/build-upstream-aws.sh >/dev/null
	@bash scripts/build-upstream-openstack.sh >/dev/null

# The container image, built with podman on a base image made locally (scripts/build-image.sh;
# installs podman, runc and mmdebstrap if missing). Cached: rebuilt only when its sources change.
image:
	@bash scripts/build-image.sh >/dev/null

env-up: prereqs
	@$(PY) -m devenv up

env-down: venv
	@$(PY) -m devenv down

env-status: venv
	@$(PY) -m devenv status

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy lbcontroller providers devenv tests bench chaos
	$(VENV)/bin/lint-imports

# The contributors' fast loop: lint, types, import contracts, and every test that needs no
# server and no Go-built tool (tests/conftest.py marks the others `integration`).
check: lint
	$(PY) -m pytest -m "not integration" -q $(PYTEST_ARGS)

# The tests also need OpenStack (Keystone, Octavia, Neutron on MariaDB and RabbitMQ).
TEST_ENV := kube,moto,localstack,gcefake,openstack

prereqs-openstack: venv
	@bash scripts/install-openstack.sh >/dev/null

test: lint prereqs prereqs-openstack prereqs-upstream image
	LBC_ENV=$(TEST_ENV) $(PY) -m pytest $(PYTEST_ARGS)

# The benchmark suite (docs/benchmarks.md), full size, in an environment of its own
# (.devenv/bench); BENCH_ARGS=--quick for the smoke size, --only NAME for one scenario.
bench: venv
	$(PY) -m bench $(BENCH_ARGS)

demo: prereqs
	@$(PY) -m devenv.demo

demo-down: venv
	@LBC_DEVENV_DIR=$(CURDIR)/.devenv/demo $(PY) -m devenv down

# The chaos run at its default size, in its own environment (.devenv/chaos); writes
# docs/reliability.md. CHAOS_ARGS passes options, e.g. CHAOS_ARGS="--quick --seed 7".
chaos: venv
	$(PY) -m chaos $(CHAOS_ARGS)

clean:
	rm -rf .devenv .mypy_cache .ruff_cache .pytest_cache
