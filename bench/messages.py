"""The harness's own message codes: why a run failed or a runtime was skipped, as data.

The runtimes' codes and the ``Message`` type are in runtimes/kernel/messages.py
(the bottom floor, so a runtime can raise one without importing the harness);
these are the few the harness adds, with their English, registered in the
same table. Their Spanish is in bench/report/messages_es.py with the others.
"""

from __future__ import annotations

from runtimes.kernel.messages import Message, define, message_of, say

__all__ = ["HARNESS", "Message", "message_of", "say"]

HARNESS: dict[str, str] = {
    # bench/runner.py set_up_runtimes: a runtime whose setup raised (its reason is the error's own message)
    "run.setup-failed": "setup failed: {reason}",
    # bench/runner.py run_once
    "run.probe-error": "probe error in {mode}: {what} (errno {errno})",
    "run.exited": "workload exited with status {status:g}",
    "run.failed-said": "{reason}: {said}",  # what the workload printed last, after why its run failed
    # bench/density.py: a step of N instances that failed, and one the host's memory could not afford
    "density.step-failed": "{n} instances: {reason}",
    "density.refused-one": "not started: {n} instance would need about {need_gib:.2f} GiB and leave less than the "
                           "{margin_gib:.1f} GiB margin of the {available_gib:.2f} GiB available "
                           "(lower [density] margin_mib or max_instances)",
    "density.refused": "not started: {n} instances would need about {need_gib:.2f} GiB and leave less than the "
                       "{margin_gib:.1f} GiB margin of the {available_gib:.2f} GiB available "
                       "(lower [density] margin_mib or max_instances)",
}
for _code, _english in HARNESS.items():
    define(_code, _english)
