# The two commands of the README: `make demo` and `make test`. Both create .venv and install on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test install prereqs dist lint bench-ingest bench-signals bench-subset bench-dedup clean

# `make demo CRAWL=CC-MAIN-2024-10` runs the same on one file of a real crawl (network needed).
demo: $(STAMP)
	$(VENV)/bin/curate demo --output demo-out $(if $(CRAWL),--crawl $(CRAWL))

test: $(STAMP)
	$(PY) -m pytest -q

install: $(STAMP)

prereqs:
	@PYTHON=$(PYTHON) sh scripts/check_prereqs.sh

$(STAMP): setup.cfg pyproject.toml
	@PYTHON=$(PYTHON) sh scripts/check_prereqs.sh
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# The project's code as one zip for `spark-submit --py-files dist/curate.zip jobs/ingest.py ...`
dist: $(STAMP)
	$(PY) -c "from pipeline.session import build_code_zip; print(build_code_zip('dist'))"

lint: $(STAMP)
	$(VENV)/bin/ruff check .

bench-ingest: $(STAMP)
	$(PY) -m bench.ingest

bench-signals: $(STAMP)
	$(PY) -m bench.signals

bench-subset: $(STAMP)
	$(PY) -m bench.subset

bench-dedup: $(STAMP)
	$(PY) -m bench.dedup

clean:
	rm -rf demo-out dist build *.egg-info .pytest_cache
