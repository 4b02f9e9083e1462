"""`make classroom`: the suite inside a VM like the one a class uses (Debian 12, systemd, cgroup v2).

- image.py    builds the guest's disk once (debootstrap, scripts/provision in a chroot) and caches it
- guest.py    boots a throwaway copy of it under QEMU and runs one job script there
- job.sh      what the guest runs: provision, `bench run all --quick`, the walkthrough's test
- __main__.py the whole check, as `make classroom` runs it; the report lands in reports/classroom/
"""
