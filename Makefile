# Two commands do everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
DJANGO ?= 5.2
# `make test DEBIAN=bookworm`: the suites on the libraries of that Debian release
# (requirements/debian-bookworm.txt), in a venv of their own.
DEBIAN ?=
ifneq ($(DEBIAN),)
VENV ?= .venv-debian-$(DEBIAN)
SERIES := debian-$(DEBIAN)
CONSTRAINTS := requirements/debian-$(DEBIAN).txt
PINS := -c $(CONSTRAINTS)
else
VENV ?= .venv
SERIES := $(DJANGO)
CONSTRAINTS :=
PINS := 'Django~=$(DJANGO).0'
endif
PORT ?= 8000
ARGS ?=
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CATALOGUES := $(wildcard */locale/*/LC_MESSAGES/django.po hosts/*/locale/*/LC_MESSAGES/django.po)

.PHONY: demo test lint format messages makemessages bench deb deb-check clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# One stamp per need and series: `make test DJANGO=4.2` switches the venv,
# and `make demo` installs only what the demo needs.
$(STAMP)-demo-$(SERIES): $(BIN)/python setup.cfg setup.py requirements/demo.txt $(CONSTRAINTS)
	$(BIN)/pip install -q -e . -r requirements/demo.txt $(PINS)
	find $(VENV) -maxdepth 1 -name '.installed-*' ! -name '*-$(SERIES)' -delete
	touch $@

$(STAMP)-test-$(SERIES): $(STAMP)-demo-$(SERIES) requirements/test.txt
	$(BIN)/pip install -q -e . -r requirements/test.txt $(PINS)
	touch $@

$(STAMP)-bench-$(SERIES): $(STAMP)-test-$(SERIES) requirements/bench.txt
	$(BIN)/pip install -q -e . -r requirements/bench.txt $(PINS)
	touch $@

%.mo: %.po
	msgfmt --check -o $@ $<

messages: $(CATALOGUES:.po=.mo)

makemessages: $(STAMP)-test-$(SERIES)
	for app in passerelle_phonecalls combo_phone_cell; do \
		(cd $$app && ../$(BIN)/django-admin makemessages -l fr --no-obsolete --no-location) || exit 1; \
	done

demo: $(STAMP)-demo-$(SERIES) messages
	PORT=$(PORT) $(BIN)/python demo/manage.py demo_serve

test: $(STAMP)-test-$(SERIES) messages
	$(BIN)/python tests/run.py $(ARGS)

bench: $(STAMP)-bench-$(SERIES) messages
	$(BIN)/python bench/run.py $(ARGS)

lint: $(STAMP)-test-$(SERIES)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)-test-$(SERIES)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

deb:
	bash .ci/deb

# Builds the packages, then installs, removes and purges them on a minimal Debian 12
# (as root; see .ci/deb-check).
deb-check: deb
	bash .ci/deb-check

clean:
	rm -rf build dist dist-deb *.egg-info test-artifacts .pytest_cache
	find . -name '*.mo' -delete -o -name __pycache__ -prune -exec rm -rf {} +

# The demo behind a real SIP server: Kamailio (contrib/ipbx/kamailio/) on
# 127.0.0.1:$(SIP_PORT) and SIPp agent phones registered as 42 and 43; `make call`
# then places a real call through it. Needs Debian's kamailio,
# kamailio-utils-modules and sip-tester (see the README).
SIP_PORT ?= 5060
CALLER ?= 0143250135
EXT ?= 42
HOLD ?= 30

.PHONY: ipbx-demo call

ipbx-demo: $(STAMP)-demo-$(SERIES) messages
	$(BIN)/python -m tests.ipbx.lab demo --port $(PORT) --sip-port $(SIP_PORT)

call: $(STAMP)-demo-$(SERIES) messages
	$(BIN)/python -m tests.ipbx.lab call --caller '$(CALLER)' --ext '$(EXT)' --sip-port $(SIP_PORT) --hold $(HOLD)
