# wasteroute: the two commands that do all the set-up on a fresh machine.
#   make demo   the whole loop on embedded defaults (no root, no Docker)
#   make test   install test needs, start real Mosquitto + TimescaleDB, run the tests
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: demo test install services services-down services-status browser lint clean

$(BIN)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[test]'
	@touch $@

install: $(BIN)/.installed

demo: install
	@echo "make demo: the API and a planning worker keep running after the loop; stop them with Ctrl-C (or SIGTERM). Scripts: $(BIN)/wasteroute demo --exit"
	$(BIN)/wasteroute demo

services:
	bash scripts/services.sh up

services-down:
	bash scripts/services.sh down

services-status:
	bash scripts/services.sh status

# Debian's Chromium and ChromeDriver for the browser tests (idempotent).
browser:
	bash scripts/install-browser.sh

test: install services browser
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/python -m pip install -q ruff
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
