# The two commands of the README, plus the harness's own benchmarks.
#   make bench   set the host up, run every scenario, write reports/latest.html
#   make test    set the host up, run the whole test suite
#   make perf    benchmarks of the suite itself (tests/perf)
#   make screenshot  the README's picture of the report, from a fresh quick run
#   make classroom  the suite in a Debian 12 VM with systemd and cgroup v2, as a class runs it (tests/classroom_vm)
#   make soak    the fault-injection loop (kill -9 of bench run at random moments) for 20 minutes
VENV ?= .venv
PYTHON := $(VENV)/bin/python
# Everything here needs root (namespaces, mounts, cgroups, libvirtd). In a root shell the commands run as
# they are (Debian's root has no sudo); from a user account each one runs through sudo.
ROOT := $(if $(filter 0,$(shell id -u)),,sudo --preserve-env=ISOBENCH_SOAK_S)

.PHONY: bench test perf soak provision quick screenshot classroom clean-venv

provision:
	$(ROOT) ./scripts/provision

bench: provision
	$(ROOT) $(VENV)/bin/bench run all

quick: provision
	$(ROOT) $(VENV)/bin/bench run all --quick

test: provision
	$(ROOT) $(PYTHON) -m pytest

# The fault-injection loop of tests/integration/test_faults.py for 20 minutes instead of 90 s.
soak: provision
	ISOBENCH_SOAK_S=1200 $(ROOT) $(PYTHON) -m pytest tests/integration/test_faults.py -s

perf: provision
	$(ROOT) $(PYTHON) -m pytest tests/perf -s --benchmark-columns=min,median,iqr,max,rounds  # -s: the figures each benchmark prints

# Builds the classroom image once (cached under /var/cache/isobench/classroom), boots a throwaway copy,
# runs `bench run all --quick` and the walkthrough's test inside; results in reports/classroom/.
classroom: provision
	$(ROOT) $(PYTHON) -m tests.classroom_vm

# The README's pictures (docs/img/first-screen.en.png, .es.png) from a fresh `bench run all --quick`.
screenshot: provision
	$(ROOT) ./scripts/screenshot

clean-venv:
	$(ROOT) rm -rf $(VENV)
