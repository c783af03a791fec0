# Two commands do everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
DJANGO ?= 5.2
PORT ?= 8000
ARGS ?=
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CATALOGUES := $(wildcard */locale/*/LC_MESSAGES/django.po hosts/*/locale/*/LC_MESSAGES/django.po)

.PHONY: demo test lint format messages makemessages bench deb clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# One stamp per need and Django series: `make test DJANGO=4.2` switches the venv,
# and `make demo` installs only what the demo needs.
$(STAMP)-demo-$(DJANGO): $(BIN)/python setup.cfg setup.py requirements/demo.txt
	$(BIN)/pip install -q -e . -r requirements/demo.txt 'Django~=$(DJANGO).0'
	find $(VENV) -maxdepth 1 -name '.installed-*' ! -name '*-$(DJANGO)' -delete
	touch $@

$(STAMP)-test-$(DJANGO): $(STAMP)-demo-$(DJANGO) requirements/test.txt
	$(BIN)/pip install -q -e . -r requirements/test.txt 'Django~=$(DJANGO).0'
	touch $@

$(STAMP)-bench-$(DJANGO): $(STAMP)-test-$(DJANGO) requirements/bench.txt
	$(BIN)/pip install -q -e . -r requirements/bench.txt 'Django~=$(DJANGO).0'
	touch $@

%.mo: %.po
	msgfmt --check -o $@ $<

messages: $(CATALOGUES:.po=.mo)

makemessages: $(STAMP)-test-$(DJANGO)
	for app in passerelle_phonecalls combo_phone_cell; do \
		(cd $$app && ../$(BIN)/django-admin makemessages -l fr --no-obsolete --no-location) || exit 1; \
	done

demo: $(STAMP)-demo-$(DJANGO) messages
	PORT=$(PORT) $(BIN)/python demo/manage.py demo_serve

test: $(STAMP)-test-$(DJANGO) messages
	$(BIN)/python tests/run.py $(ARGS)

bench: $(STAMP)-bench-$(DJANGO) messages
	$(BIN)/python bench/run.py $(ARGS)

lint: $(STAMP)-test-$(DJANGO)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)-test-$(DJANGO)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

deb:
	bash .ci/deb

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

ipbx-demo: $(STAMP)-demo-$(DJANGO) messages
	$(BIN)/python -m tests.ipbx.lab demo --port $(PORT) --sip-port $(SIP_PORT)

call: $(STAMP)-demo-$(DJANGO) messages
	$(BIN)/python -m tests.ipbx.lab call --caller '$(CALLER)' --ext '$(EXT)' --sip-port $(SIP_PORT) --hold $(HOLD)
