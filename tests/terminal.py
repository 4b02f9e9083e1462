"""Driving an interactive program through a pseudo-terminal, as a person at a terminal would."""

from __future__ import annotations

import os
import select
import time


def read_until(fd: int, wanted: bytes, timeout: float = 10) -> bytes:
    """Read the terminal until ``wanted`` appears, answering cursor-position queries.

    busybox's line editor asks where the cursor is (ESC [6n) before each
    prompt and reads the answer from its input; a real terminal replies at
    once, and so must we, or our next keystroke would be taken as the reply.
    """
    seen = b""
    deadline = time.monotonic() + timeout
    while wanted not in seen and time.monotonic() < deadline:
        if select.select([fd], [], [], 0.1)[0]:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            seen += chunk
            for _ in range(chunk.count(b"\x1b[6n")):
                os.write(fd, b"\x1b[1;1R")
    assert wanted in seen, seen
    return seen
