# Two commands: `make run` serves the app on the demo data; `make test` runs everything.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501

.PHONY: run test system-deps demo bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

run: $(VENV)/.installed
	@bash scripts/system-deps.sh --runtime
	$(BIN)/python -m dashboard demo --households --if-missing
	$(BIN)/python -m dashboard.app.serve --server.port $(PORT) --server.headless true

test: $(VENV)/.installed-dev system-deps
	$(BIN)/python -m pytest

# Debian's chromium for browser tests and the briefing PDF, Noto CJK so Chinese renders in
# screenshots, the PDF and the map, poppler-utils (pdftotext) to check the PDF.
system-deps:
	@bash scripts/system-deps.sh

demo: $(VENV)/.installed
	$(BIN)/python -m dashboard demo --households

bench: $(VENV)/.installed-dev
	$(BIN)/python -m dashboard bench --scale 1,100 --postgres

clean:
	rm -rf $(VENV) data/cache
