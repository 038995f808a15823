# Two commands do all the set-up: `make run` and `make test` (see README.md).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: install lock system-packages k8s-manifests run test test-unit bench lint audit clean

install: $(VENV)/.installed

# Every install takes its versions from constraints.txt (`make lock` refreshes it).
$(VENV)/.installed: setup.cfg pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[embedded,test]'
	touch $@

# Resolve the newest versions setup.cfg allows in a scratch environment and pin them all.
lock:
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --upgrade pip
	.lock-venv/bin/python -m pip install --quiet '.[embedded,test]'
	{ echo '# Pinned versions of every dependency: `make install`, CI and the image install from it.'; \
	  echo '# Refresh with `make lock` (resolves setup.cfg afresh), then run `make test`.'; \
	  .lock-venv/bin/python -m pip freeze --exclude athsys; } > constraints.txt
	rm -rf .lock-venv build

# Debian packages the tests and benchmarks run (Chromium, Prometheus, nginx, wrk): installed
# when missing.
system-packages:
	ops/system/install

# k8s-manifests.yaml is made from ops/k8s/*.yaml (a test fails when it is stale).
k8s-manifests:
	$(PYTHON) ops/k8s/build.py

run: install
	$(BIN)/athsys up

test: install system-packages
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-unit: install
	$(BIN)/python -m pytest -m unit $(PYTEST_ARGS)

# Every benchmark, three runs each, one table of medians, targets and same-run baselines
# (ops/bench/README.md). Not part of `make test`; about 40 minutes (the marathon replay takes
# about 8 of each run's 13, the admin benchmark 3).
BENCH_RUNS ?= 3
bench: install system-packages
	$(BIN)/python ops/bench/run.py --runs $(BENCH_RUNS)

lint: install
	$(BIN)/ruff check .

# Supply chain (docs/security.md): bandit's findings in our code (each one fixed
# or justified in place), then the known vulnerabilities of every pinned dependency. pip-audit
# asks the registry for them; --strict fails on any dependency it could not check, so a
# clean result means every pin was checked. AUDIT_IGNORE="--ignore-vuln ID ..." for the
# exceptions the document justifies.
AUDIT_IGNORE ?=
audit: install
	$(BIN)/bandit -r athsys tasks webui -q
	$(BIN)/pip-audit --strict --disable-pip --no-deps --progress-spinner off \
	  -r constraints.txt $(AUDIT_IGNORE)

clean:
	rm -rf $(VENV) build dist *.egg-info
