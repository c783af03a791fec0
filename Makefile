# Two commands do everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
DJANGO ?= 5.2
PORT ?= 8000
ARGS ?=
BIN := $(VENV)/bin
CATALOGUES := $(wildcard */locale/*/LC_MESSAGES/django.po)

.PHONY: demo test lint format messages makemessages bench deb clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# One stamp per Django series, so `make test DJANGO=4.2` switches the venv.
$(VENV)/.installed-$(DJANGO): $(BIN)/python setup.cfg setup.py
	$(BIN)/pip install -q -e '.[test]' 'Django~=$(DJANGO).0'
	rm -f $(VENV)/.installed-*
	touch $@

%.mo: %.po
	msgfmt --check -o $@ $<

messages: $(CATALOGUES:.po=.mo)

makemessages: $(VENV)/.installed-$(DJANGO)
	for app in passerelle_phonecalls combo_phone_cell; do \
		(cd $$app && ../$(BIN)/django-admin makemessages -l fr --no-obsolete --no-location) || exit 1; \
	done

demo: $(VENV)/.installed-$(DJANGO) messages
	PORT=$(PORT) $(BIN)/python demo/manage.py demo_serve

test: $(VENV)/.installed-$(DJANGO) messages
	$(BIN)/python -m playwright --version >/dev/null
	$(BIN)/python tests/run.py $(ARGS)

# Its own stamp: the test rule's stamp change removes every .installed-* file.
$(VENV)/.bench-installed: $(VENV)/.installed-$(DJANGO) setup.cfg
	$(BIN)/pip install -q -e '.[test,bench]' 'Django~=$(DJANGO).0'
	touch $@

bench: $(VENV)/.bench-installed messages
	$(BIN)/python bench/run.py $(ARGS)

lint: $(VENV)/.installed-$(DJANGO)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-$(DJANGO)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

deb:
	bash .ci/deb

clean:
	rm -rf build dist dist-deb *.egg-info test-artifacts .pytest_cache
	find . -name '*.mo' -delete -o -name __pycache__ -prune -exec rm -rf {} +
