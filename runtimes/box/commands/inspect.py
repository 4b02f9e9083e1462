"""`box inspect NAME|ID...`: low-level information on containers or images, as JSON (Docker's keys)."""

from __future__ import annotations

import json

from runtimes.box.commands.common import engine
from runtimes.box.commands.options import Verb, out, parse
from runtimes.box.container import Container
from runtimes.box.errors import BoxError, NoSuchContainer, NoSuchImage
from runtimes.box.images import NO_TAG
from runtimes.box.state import Status
from runtimes.kernel import cgroups, seccomp

VERB = Verb("inspect", "NAME|ID [NAME|ID...]", least=1)


def main(argv: list[str]) -> int:
    _, refs = parse(VERB, argv)
    box, found = engine(), []
    for ref in refs:
        try:
            found.append(container_json(box.get(ref)))
        except NoSuchContainer:
            try:
                image = box.images.resolve(ref)
            except NoSuchImage:
                raise BoxError(f"No such object: {ref}") from None
            found.append({"Id": image.id, "RepoTags": [image.ref] if image.tag != NO_TAG else [],
                          "RepoDigests": [f"{image.repository}@{image.repo_digest}"] if image.repo_digest else [],
                          "Created": image.created, "Size": image.size,
                          "Config": image.config.get("config", {}), "RootFS": image.config.get("rootfs", {})})
    out(json.dumps(found, indent=4))
    return 0


def container_json(c: Container) -> dict:
    st, cfg = c.state, c.config
    return {
        "Id": c.id, "Name": "/" + c.name, "Created": cfg.created, "Path": cfg.command[0],
        "Args": cfg.command[1:], "Image": cfg.image_id,
        "State": {"Status": st.status.value, "Running": st.status is Status.RUNNING, "Pid": st.pid,
                  "ExitCode": st.exit_code, "OOMKilled": st.oom_killed, "StartedAt": st.started_at,
                  "FinishedAt": st.finished_at, "Error": st.error},
        "Config": {"Hostname": cfg.hostname, "Env": cfg.env, "Cmd": cfg.command,
                   "Image": cfg.image, "Tty": cfg.tty, "OpenStdin": cfg.interactive},
        "HostConfig": {"Memory": cfg.limits.memory_bytes or 0, "NanoCpus": int((cfg.limits.cpus or 0) * 1e9),
                       "PidsLimit": cfg.limits.pids, "AutoRemove": cfg.auto_remove,
                       "SecurityOpt": ["seccomp=unconfined"] if cfg.seccomp == seccomp.UNCONFINED else None,
                       "Binds": [f"{v['host']}:{v['target']}{':ro' if v['readonly'] else ''}" for v in cfg.volumes]},
        "GraphDriver": {"Name": "overlay2", "Data": {"UpperDir": str(c.dir / "upper"), "WorkDir": str(c.dir / "work"),
                                                     "MergedDir": str(c.dir / "merged")}},
        "Cgroup": {"Version": cgroups.host_version(), "Path": str(c.cgroup().path)},
    }
