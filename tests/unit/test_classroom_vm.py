"""`make classroom`'s pieces that can be checked without booting anything (tests/classroom_vm/)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from runtimes import BASELINE, RUNTIMES
from tests.classroom_vm import __main__ as classroom
from tests.classroom_vm import image as image_mod
from tests.classroom_vm.guest import qemu_argv
from tests.classroom_vm.image import ClassroomImage


def test_every_runtime_is_run_in_the_classroom_or_left_out_with_a_reason() -> None:
    """A new runtime fails here until it is added to the guest's run or to the stated exceptions."""
    registered = {runtime.name for runtime in RUNTIMES} - {BASELINE}
    assert set(classroom.CONTAINER_RUNTIMES) | set(classroom.VM_RUNTIMES) == registered
    assert not set(classroom.CONTAINER_RUNTIMES) & set(classroom.VM_RUNTIMES)
    assert all(name in classroom.LEFT_OUT for name in classroom.VM_RUNTIMES)


def test_the_job_script_is_valid_shell() -> None:
    job = Path(classroom.__file__).with_name("job.sh")
    assert subprocess.run(["sh", "-n", str(job)], capture_output=True).returncode == 0


def test_the_image_is_built_anew_when_its_recipe_or_provisioning_changes(monkeypatch: pytest.MonkeyPatch,
                                                                         tmp_path: Path) -> None:
    key = image_mod.image_key()
    assert image_mod.image_key() == key  # stable for the same inputs
    monkeypatch.setattr(image_mod, "JOB_UNIT", image_mod.JOB_UNIT + "# changed\n")
    assert image_mod.image_key() != key
    monkeypatch.undo()
    repo = tmp_path / "repo"
    (repo / "scripts").mkdir(parents=True)
    (repo / "scripts" / "provision").write_text((image_mod.REPO / "scripts" / "provision").read_text() + "# changed\n")
    (repo / "pyproject.toml").write_text((image_mod.REPO / "pyproject.toml").read_text())
    monkeypatch.setattr(image_mod, "REPO", repo)
    assert image_mod.image_key() != key


def test_no_image_is_found_in_an_empty_cache(tmp_path: Path) -> None:
    assert image_mod.cached_image(tmp_path) is None


@pytest.mark.parametrize("accel, present, absent", [
    ("tcg", ["-accel", "tcg,thread=multi", "-cpu", "max"], ["kvm", "host"]),
    ("kvm", ["-accel", "kvm", "-cpu", "host"], ["tcg,thread=multi"]),
])
def test_qemu_runs_the_chosen_accelerator_only(accel: str, present: list[str], absent: list[str]) -> None:
    image = ClassroomImage(Path("/c/disk.raw"), Path("/c/vmlinuz"), Path("/c/initrd.img"), "6.1.0-x-amd64", 0.0)
    argv = qemu_argv(image, Path("/w/overlay.qcow2"), Path("/w/job"), accel, 4096, 2)
    joined = " ".join(argv)
    assert " ".join(present) in joined
    assert all(word not in argv for word in absent)
    assert "systemd.unified_cgroup_hierarchy=1" in argv[-1] and "file=/w/overlay.qcow2" in joined
    assert "/c/disk.raw" not in joined  # the cached image is never written: only its overlay is attached
