# Two commands: `make run` and `make test`. Needs only Python 3.11+.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app app
export FLASK_APP := app
# `make run PORT=8000` (or HOST=0.0.0.0 to be reachable from other machines).
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run demo-reset test bench loadtest install translations extract update-translations check-translations clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

translations: install
	$(PY) -m school.catalogs compile

run: install translations
	$(FLASK) db upgrade
	$(FLASK) school demo --if-empty
	$(FLASK) run --host $(HOST) --port $(PORT)

# `make run` keeps the demo it built first; this builds it again for DEFTER_TODAY (or today). It refuses a
# database that holds another school or its users.
demo-reset: install translations
	$(FLASK) db upgrade
	$(FLASK) school demo --rebuild

test: install translations
	$(PY) -m pytest -q

bench: install translations
	@$(PY) -m tests.bench

# Not part of `make test`: 60 teachers through gunicorn on loopback (~2 min), then the same with kill -9 of every
# server process three times. ARGS passes options, e.g. `make loadtest ARGS="--teachers 20 --seconds 30"`;
# DATABASE_URL set: on a scratch database of that PostgreSQL server.
loadtest: install translations
	@$(PY) -m tests.load.loadtest $(ARGS); load=$$?; $(PY) -m tests.load.loadtest --crash $(ARGS) && exit $$load

extract: install
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -o translations/messages.pot --no-location --sort-output .

# Not `pybabel update`: it drops the Plural-Forms header of crh, a locale Babel does not know.
update-translations: extract
	$(PY) -m school.catalogs update

check-translations: install
	$(PY) -m school.catalogs check

clean:
	rm -rf $(VENV) instance .pytest_cache
