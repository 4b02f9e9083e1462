#!/bin/sh
# What the classroom guest runs once systemd has booted it (isobench-job.service,
# tests/classroom_vm/image.py). The host put this file, the repository as a tar
# file and the runtime list on the 9p share /mnt/job; the results go back in
# /mnt/job/out. Each step says how long it took; the exit code is 0 only if all passed.
set -u
job=/mnt/job
out=$job/out
repo=/root/isobench
reports=/root/reports  # SQLite wants a local file system, not the 9p share
mkdir -p "$out" "$reports"
failed=""

say() { echo "CLASSROOM $*"; }
step() {
  name=$1; shift
  say "step $name: start"
  start=$(date +%s)
  "$@"
  rc=$?
  say "step $name: exit $rc after $(( $(date +%s) - start )) s"
  [ "$rc" = 0 ] || failed="$failed $name"
}

say "guest: kernel $(uname -r); PID 1 is $(cat /proc/1/comm); /sys/fs/cgroup is $(stat -fc %T /sys/fs/cgroup);" \
    "virtualisation $(systemd-detect-virt); $(nproc) vCPUs; $(free -m | awk '/^Mem:/ {print $2}') MiB"

# The repository as the host has it now, over the image's copy (its virtualenv stays).
find "$repo" -mindepth 1 -maxdepth 1 ! -name .venv -exec rm -rf {} +
tar -C "$repo" -xf "$job/repo.tar"
cd "$repo" || exit 1

step provision ./scripts/provision
step doctor sh -c ".venv/bin/bench doctor >$out/doctor.txt 2>&1"
# shellcheck disable=SC2046  # one word per option, as written by the host
step bench .venv/bin/bench run all --quick $(cat "$job/runtime-options") --reports "$reports"
cp "$reports/latest.html" "$reports/isobench.sqlite" "$out/" 2>/dev/null
if [ "$(cat "$job/walkthrough")" = yes ]; then
  step walkthrough .venv/bin/python -m pytest -q -p no:cacheprovider tests/integration/test_walkthrough.py
fi

if [ -n "$failed" ]; then say "failed:$failed"; exit 1; fi
say "all steps passed"
