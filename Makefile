# The README's two commands: `make demo` and `make test`. Both install what they need.
# The virtual environment is built from Debian's /usr/bin/python3 on purpose: everything in
# it is world-readable, so generated tests can run in the sandbox as an unprivileged user
# with the same interpreter (a python under /root is not readable by that user).

PYTHON ?= /usr/bin/python3
VENV := .venv
BIN := $(VENV)/bin
QL_HOME ?= $(CURDIR)/.ql
export QL_HOME
export DAGSTER_HOME := $(QL_HOME)/dagster
export LITELLM_LOCAL_MODEL_COST_MAP := True
PROMPT ?= examples/calculator.txt
# The project's Python packages are pyproject.toml's; deploy/Dockerfile installs the same
# list without these extras. Runtime system packages: deploy/apt-packages.txt (also the image's).
EXTRAS ?= dev,local-llm
RUNTIME_PACKAGES := $(shell cat deploy/apt-packages.txt)
# llama.cpp is built for x86-64 with AVX2, not for the build machine's own CPU: a native build
# on a CPU that advertises AMX where the hypervisor has not enabled it (this machine) crashes
# on the first completion (SIGSEGV at `ldtilecfg` in libggml-cpu), and a cached native wheel
# would carry that to every other machine. A wheel pip cached from a native build must be
# removed once: `.venv/bin/pip cache remove llama_cpp_python`.
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON
# Needed by the tests only, not by the image: prometheus and promtool (the alerting rules'
# unit tests, the exporter's end-to-end test).
TEST_PACKAGES := $(shell cat tools/apt-packages-test.txt)

.PHONY: demo test install bytecode node-tools system-packages lint typecheck unit ui llm-serve embedding-service bench clean

# The demo succeeds when the run reached a verdict: a capsule (0: every gate passed; 3: a
# gate failed) or a blocking gate that stopped it (4); `run` then prints the reason and what
# to try. A crash or a stage that failed (1), or a server that did not start, fails it.
demo: install
	$(BIN)/quantumlayer llm serve
	@$(BIN)/quantumlayer run $(PROMPT); code=$$?; \
	echo "the local model server keeps running in the background: stop it with .venv/bin/quantumlayer llm stop"; \
	case $$code in 0|3|4) exit 0 ;; *) echo "demo failed (quantumlayer run exited $$code)"; exit $$code ;; esac

test: install lint typecheck
	VIRTUAL_ENV=$(CURDIR)/$(VENV) $(BIN)/dg check defs
	$(BIN)/pytest -q

install: system-packages $(VENV)/.installed bytecode node-tools $(DAGSTER_HOME)/dagster.yaml

system-packages:
	@missing=""; \
	for p in $(RUNTIME_PACKAGES) $(TEST_PACKAGES); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; \
	done; \
	command -v chromium >/dev/null || missing="$$missing chromium chromium-driver"; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	$(PYTHON) -c "import venv, ensurepip" 2>/dev/null || missing="$$missing python3-venv"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing system packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else \
	    echo "missing system packages:$$missing; run: sudo apt-get install$$missing"; exit 1; \
	  fi; \
	fi

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip wheel setuptools
	@echo "installing the project (llama-cpp-python compiles once, ~7 min on 2 cores; pip caches it)"
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/pip install -q -e '.[$(EXTRAS)]'
	touch $@

# Every run worker, code server and step process imports the definitions. Where
# PYTHONDONTWRITEBYTECODE is set, nothing keeps our compiled modules and each start compiles
# them again (~0.1 s); the editable install does not compile them either. compileall skips
# what is up to date, and Python recompiles a module whose source changed since.
bytecode: $(VENV)/.installed
	$(BIN)/python -m compileall -q quantumlayer_dagster quantumlayer_cli assets resources

# tsc and ESLint (+ eslint-plugin-security) for generated TypeScript/JavaScript projects,
# exactly the versions in tools/node/package-lock.json (npm registry, ~10 s, 47 MB).
NODE_TOOLS := tools/node/node_modules/.installed
node-tools: $(NODE_TOOLS)

$(NODE_TOOLS): tools/node/package.json tools/node/package-lock.json
	npm ci --prefix tools/node --no-audit --no-fund --loglevel=error
	touch $@

# The embedded default (SQLite); the top-level dagster.yaml is the Postgres one for platforms.
$(DAGSTER_HOME)/dagster.yaml: quantumlayer_dagster/config/dagster.local.yaml
	mkdir -p $(DAGSTER_HOME)
	cp quantumlayer_dagster/config/dagster.local.yaml $@

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

# The fast tier, across every test folder: no test marked slow, server, sandbox or llm
# (markers in pyproject.toml). Under a minute on 2 cores; `make test` still runs everything.
unit: install
	$(BIN)/pytest -q -n 2 -m "not slow and not server and not sandbox and not llm"

ui: install
	$(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

llm-serve: install
	$(BIN)/quantumlayer llm serve

# MiniLM loaded once for the machine (foreground; runs reach it when the instance's
# processes have QL_MEMORY_EMBEDDING_API_BASE=http://127.0.0.1:8766/v1).
embedding-service: install
	$(BIN)/python -m quantumlayer_dagster.memory.embedding_server --port 8766

bench: install
	$(BIN)/python bench/pipeline_overhead.py
	$(BIN)/python bench/llm_latency.py
	$(BIN)/python bench/test_sandbox.py
	$(BIN)/python bench/artifact_store.py
	$(BIN)/python bench/memory.py
	$(BIN)/python bench/validation_accuracy.py
	$(BIN)/python bench/validation_corruptions.py
	$(BIN)/python bench/generation.py
	$(BIN)/python bench/gates.py
	$(BIN)/python bench/dast.py
	$(BIN)/python bench/intake.py
	$(BIN)/python bench/k8s_plan.py
	$(BIN)/python bench/startup.py
	$(BIN)/python bench/audit_trail.py

clean:
	rm -rf $(VENV) .ql .pytest_cache .ruff_cache .mypy_cache
