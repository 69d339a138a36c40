# Leerwallet: `make run` serves a demo on http://127.0.0.1:5000, `make test` lints and runs the suite.
PYTHON ?= python3
PORT ?= 5000
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wallet

.PHONY: install assets translations run serve lint fmt test extract-messages clean

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Leerwallet needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.stamp-install: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

node_modules/.stamp-install: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

assets: node_modules/.stamp-install
	mkdir -p wallet/static/vendor
	cp node_modules/@utrecht/component-library-css/dist/index.css wallet/static/vendor/utrecht.css

translations: $(VENV)/.stamp-install
	$(VENV)/bin/pybabel -q compile -d wallet/translations

install: $(VENV)/.stamp-install assets translations

run: install
	mkdir -p instance
	$(FLASK) db upgrade
	$(FLASK) demo load
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

lint: $(VENV)/.stamp-install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

fmt: $(VENV)/.stamp-install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

test: install lint
	$(VENV)/bin/pytest

# Re-extract translatable texts and merge them into the nl, en and de catalogues.
extract-messages: $(VENV)/.stamp-install
	$(VENV)/bin/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext -o wallet/translations/messages.pot .
	$(VENV)/bin/pybabel -q update -i wallet/translations/messages.pot -d wallet/translations --no-fuzzy-matching

clean:
	rm -rf $(VENV) node_modules wallet/static/vendor instance
