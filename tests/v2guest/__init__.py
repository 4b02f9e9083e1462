"""Checks that need a real cgroup v2 kernel, run inside a QEMU guest that boots one."""
