# The two commands of the README, plus the harness's own benchmarks.
#   make bench   set the host up, run every scenario, write reports/latest.html
#   make test    set the host up, run the whole test suite
#   make perf    benchmarks of the suite itself (tests/perf)
VENV ?= .venv
PYTHON := $(VENV)/bin/python

.PHONY: bench test perf provision quick clean-venv

provision:
	./scripts/provision

bench: provision
	$(VENV)/bin/bench run all

quick: provision
	$(VENV)/bin/bench run all --quick

test: provision
	$(PYTHON) -m pytest

perf: provision
	$(PYTHON) -m pytest tests/perf --benchmark-columns=min,median,iqr,max,rounds

clean-venv:
	rm -rf $(VENV)
