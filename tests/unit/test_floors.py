"""The building's floors: imports only go down, and no runtime reaches into another's package.

    bench/              the harness, the store, the report          floor 3
    runtimes/           the runtimes, each in its own room           floor 2
    runtimes/kernel/    the kernel primitives they share             floor 1

Every import in every module is read (function-level ones too, since an
import inside a function is still a dependency) and checked against these
rules. A failure names the module, the line and the import to move.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The runtimes' rooms: none imports another, except that the VM peers (plain QEMU,
# the microVM) share the libvirt VM's guest, console and accelerator code.
ROOMS = ("runtimes.box", "runtimes.openvz", "runtimes.vm", "runtimes.peers")
MAY_ENTER = {"runtimes.peers": {"runtimes.vm"}}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) for every import in the file, relative ones resolved."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = _module_name(path).rsplit(".", 0 if path.name == "__init__.py" else 1)[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            # `from runtimes.kernel import cgroups` imports the module runtimes.kernel.cgroups
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


def _floor(module: str) -> int | None:
    if module == "bench" or module.startswith("bench."):
        return 3
    if module == "runtimes.kernel" or module.startswith("runtimes.kernel."):
        return 1
    if module == "runtimes" or module.startswith("runtimes."):
        return 2
    return None  # the standard library or a third-party package


def _room(module: str) -> str | None:
    return next((room for room in ROOMS if module == room or module.startswith(room + ".")), None)


def _sources() -> list[Path]:
    return sorted(p for top in ("bench", "runtimes") for p in (ROOT / top).rglob("*.py") if "__pycache__" not in p.parts)


def violations(path: Path) -> list[str]:
    me = _module_name(path)
    mine, my_room = _floor(me), _room(me)
    found = []
    for line, target in _imports(path):
        theirs = _floor(target)
        if theirs is None:
            continue
        where = f"{path.relative_to(ROOT)}:{line} imports {target}"
        if theirs > mine:
            found.append(f"{where}: floor {theirs} is above this module's floor {mine}")
            continue
        their_room = _room(target)
        if mine == 2 and their_room and their_room != my_room and their_room not in MAY_ENTER.get(my_room, set()):
            found.append(f"{where}: {my_room or 'the shared runtime floor'} may not reach into {their_room}")
    return found


def test_every_source_file_is_read():
    names = {_module_name(p) for p in _sources()}
    assert {"bench.runner", "runtimes.box.cli", "runtimes.kernel.cgroups", "runtimes.vm.libvirt"} <= names


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_only_go_down(path):
    assert violations(path) == []


def test_the_rule_catches_an_import_from_above(tmp_path, monkeypatch):
    """The checker itself: a kernel module importing a runtime, and a peer reaching into box, are both caught."""
    fake_root = tmp_path
    (fake_root / "runtimes" / "kernel").mkdir(parents=True)
    (fake_root / "runtimes" / "peers").mkdir(parents=True)
    bad_kernel = fake_root / "runtimes" / "kernel" / "bad.py"
    bad_kernel.write_text("def f():\n    from runtimes.box import images\n")
    bad_peer = fake_root / "runtimes" / "peers" / "bad.py"
    bad_peer.write_text("from runtimes.box.container import Engine\nfrom runtimes.vm import guest\n")
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", fake_root)
    assert [v.split(": ", 1)[1] for v in violations(bad_kernel)] == ["floor 2 is above this module's floor 1"]
    assert [v.split(": ", 1)[1] for v in violations(bad_peer)] == ["runtimes.peers may not reach into runtimes.box"]
