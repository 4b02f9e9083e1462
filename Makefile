# The two commands of the README, plus the harness's own benchmarks.
#   make bench   set the host up, run every scenario, write reports/latest.html
#   make test    set the host up, run the whole test suite
#   make perf    benchmarks of the suite itself (tests/perf)
#   make screenshot  the README's picture of the report, from a fresh quick run
#   make soak    the fault-injection loop (kill -9 of bench run at random moments) for 20 minutes
VENV ?= .venv
PYTHON := $(VENV)/bin/python

.PHONY: bench test perf soak provision quick screenshot clean-venv

provision:
	./scripts/provision

bench: provision
	$(VENV)/bin/bench run all

quick: provision
	$(VENV)/bin/bench run all --quick

test: provision
	$(PYTHON) -m pytest

# The fault-injection loop of tests/integration/test_faults.py for 20 minutes instead of 90 s.
soak: provision
	ISOBENCH_SOAK_S=1200 $(PYTHON) -m pytest tests/integration/test_faults.py -s

perf: provision
	$(PYTHON) -m pytest tests/perf --benchmark-columns=min,median,iqr,max,rounds

# The README's picture (docs/img/report.png) from a fresh `bench run all --quick`.
screenshot: provision
	./scripts/screenshot

clean-venv:
	rm -rf $(VENV)
