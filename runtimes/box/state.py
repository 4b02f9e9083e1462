"""A container's configuration and state, as stored on disk (like youki's state.rs).

    /var/lib/box/containers/<id>/
      config.json     what was asked for (image, command, limits, volumes…)
      state.json      what happened (status, PID, exit code, times)
      exit            "exit=N", written by box-init as the command ends
      container.log   stdout and stderr of a detached container
      upper/ work/ merged/   the container's OverlayFS directories
"""

from __future__ import annotations

import dataclasses
import enum
import json
import os
from pathlib import Path

from runtimes.kernel.limits import Limits


class Status(enum.Enum):
    CREATED = "created"
    RUNNING = "running"
    EXITED = "exited"

    def can_start(self) -> bool:
        return self is Status.CREATED

    def can_stop(self) -> bool:
        return self is Status.RUNNING


@dataclasses.dataclass
class Config:
    """What was asked for: config.json, written once at create."""

    id: str
    name: str
    image: str                 # as the user wrote it
    image_id: str
    command: list[str]
    env: list[str]
    hostname: str
    limits: Limits
    volumes: list[dict]        # {"host": ..., "target": ..., "readonly": bool}
    tty: bool = False
    interactive: bool = False
    detach: bool = False
    auto_remove: bool = False
    created: str = ""
    user: str = ""             # the image's USER ("" = root); configs of older versions have none
    seccomp: str = "default"   # or "unconfined" (--security-opt seccomp=unconfined); older configs: confined


@dataclasses.dataclass
class State:
    """What happened: state.json, written at start and at the end (not for a --rm container)."""

    status: Status = Status.CREATED
    pid: int = 0
    pid_start: int = 0          # the process's start time (/proc/PID/stat field 22): guards against PID reuse
    started_at: str = ""
    finished_at: str = ""
    exit_code: int | None = None
    oom_killed: bool = False
    error: str = ""


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2))
    os.replace(tmp, path)  # atomic: a crash never leaves half a file


def save_config(directory: Path, config: Config) -> None:
    data = dataclasses.asdict(config)
    _write_json(directory / "config.json", data)


def load_config(directory: Path) -> Config:
    data = json.loads((directory / "config.json").read_text())
    data["limits"] = Limits(**data["limits"])
    return Config(**data)


def save_state(directory: Path, state: State) -> None:
    data = dataclasses.asdict(state)
    data["status"] = state.status.value
    _write_json(directory / "state.json", data)


def load_state(directory: Path) -> State:
    path = directory / "state.json"
    if not path.exists():
        return State()
    data = json.loads(path.read_text())
    data["status"] = Status(data["status"])
    return State(**data)
