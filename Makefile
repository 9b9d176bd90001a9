# Whole Journey — the two commands a newcomer needs are `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
STAMP  := $(VENV)/.installed
TEST_JOBS ?= auto

.PHONY: install demo serve test pytest lint format messages bytecode clean

install: $(STAMP) messages bytecode

# Re-install when the dependencies change; system packages first (Chromium, Khmer fonts, WeasyPrint's libraries).
$(STAMP): pyproject.toml scripts/install-system-packages.sh
	scripts/install-system-packages.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

messages: $(STAMP)
	cd wholejourney && ../$(BIN)/wholejourney compilemessages --verbosity 0

# The project's own modules are installed editable, so pip compiled none of them: compile them once
# here (each process of a test run or of the app would otherwise compile what it imports).
bytecode: $(STAMP)
	$(BIN)/python -m compileall -q -j 0 wholejourney tests conftest.py > /dev/null

# Build the demo organisation (kept between runs; `$(BIN)/wholejourney demo --reset` rebuilds it),
# then serve it with the background worker. Two-factor sign-in is off for the demo only.
demo: install
	$(BIN)/wholejourney demo
	WJ_REQUIRE_MFA=false PORT=$(PORT) $(BIN)/wholejourney serve

serve: install
	PORT=$(PORT) $(BIN)/wholejourney serve

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy wholejourney

# Lint and the tests side by side (mypy's first run takes 15 s of one core, while the test workers
# start); either failing fails `make test`.
test:
	$(MAKE) --no-print-directory -j 2 lint pytest

# In parallel, one process per core (pytest-xdist), and the 15 slowest tests listed at the end.
# Bytecode is cached even where the environment says not to (PYTHONDONTWRITEBYTECODE): each worker,
# and each process a test starts, would otherwise compile the project and rewrite every test module
# again (collecting took 11 s instead of 5).
pytest: install
	PYTHONDONTWRITEBYTECODE= $(BIN)/pytest -q -n $(TEST_JOBS) --durations=15

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) var test-artifacts
