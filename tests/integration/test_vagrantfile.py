"""The classroom Vagrantfile, checked by Vagrant itself with the libvirt provider plugin.

`vagrant validate` loads the Vagrantfile and checks every option of the
provider it is asked for: a misspelt or unsupported libvirt setting fails it.
VirtualBox's block is only checked where VirtualBox is installed (it is not
packaged in Debian 12's main archive), so here it is validated only when
VBoxManage exists.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.envcheck import require_tool


def validate(workdir: Path, provider: str, edit: Callable[[str], str] = str, **env: str) -> subprocess.CompletedProcess[str]:
    """`vagrant validate` on a copy of the Vagrantfile (``edit``ed), so nothing lands in the repository (.vagrant/)."""
    vagrant = require_tool("vagrant", "vagrant vagrant-libvirt")
    (workdir / "Vagrantfile").write_text(edit((REPO / "Vagrantfile").read_text()))
    environment = {**os.environ, "VAGRANT_HOME": str(workdir / "vagrant.d"), "VAGRANT_DEFAULT_PROVIDER": provider,
                   "VAGRANT_DOTFILE_PATH": str(workdir / "dot"), "VAGRANT_CHECKPOINT_DISABLE": "1", **env}
    return subprocess.run([vagrant, "validate"], cwd=workdir, env=environment, capture_output=True, text=True,
                          timeout=120)


@pytest.mark.parametrize("driver", ["kvm", "qemu"])
def test_the_vagrantfile_validates_with_libvirt(tmp_path: Path, driver: str) -> None:
    result = validate(tmp_path, "libvirt", ISOBENCH_VM_DRIVER=driver)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "validated successfully" in result.stdout


def test_a_wrong_libvirt_option_fails_validation(tmp_path: Path) -> None:
    """The check can fail: the same file with one bad provider option does not validate."""
    result = validate(tmp_path, "libvirt", lambda text: text.replace("lv.cpus = cpus", "lv.cpus = cpus; lv.no_such_option = 1"))
    assert result.returncode == 1 and "no_such_option" in result.stdout + result.stderr


@pytest.mark.parametrize("name, value, message", [
    ("ISOBENCH_VM_DRIVER", "xen", "ISOBENCH_VM_DRIVER=xen is not kvm or qemu"),
    ("ISOBENCH_VM_MEMORY", "6G", "ISOBENCH_VM_MEMORY=6G is not a whole number"),
])
def test_a_wrong_setting_is_one_clear_line(tmp_path: Path, name: str, value: str, message: str) -> None:
    result = validate(tmp_path, "libvirt", **{name: value})
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [result.stderr.strip()] and message in result.stderr


def test_the_vagrantfile_validates_with_virtualbox(tmp_path: Path) -> None:
    if shutil.which("VBoxManage") is None:
        pytest.skip("VBoxManage not found: VirtualBox is not in Debian 12's main archive (Oracle's repository has it), "
                    "and Vagrant checks the VirtualBox settings only where it is installed")
    result = validate(tmp_path, "virtualbox")
    assert result.returncode == 0, result.stdout + result.stderr


def test_provisioning_is_the_script_ci_uses() -> None:
    text = (REPO / "Vagrantfile").read_text()
    assert 'inline: "/vagrant/scripts/provision"' in text
    assert (REPO / "scripts" / "provision").stat().st_mode & 0o111
