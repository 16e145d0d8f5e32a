"""bench/soak.py's redrive loop stops only when the DLQ is empty, or out of time or rounds with work left: a
run that ran out of time must say so, not report its waiting uploads as lost and nothing else."""

from __future__ import annotations

import time

import pytest
from soak import _stop_reason

LATER, PASSED = 3600, -1  # seconds from now to the deadline


@pytest.mark.parametrize(
    ("drained", "dlq_depth", "deadline_in", "rounds", "reason"),
    [
        (True, 0, LATER, 0, "dlq_empty"),  # nothing was dead-lettered
        (True, 0, PASSED, 12, "dlq_empty"),  # the last round emptied it, just in time
        (True, 3, LATER, 2, ""),  # redrive again
        (True, 3, PASSED, 2, "time"),
        (False, 0, PASSED, 0, "time"),  # the queue never drained: an empty DLQ proves nothing
        (False, 3, PASSED, 4, "time"),  # a redrive round's drain ran out of time
        (True, 3, LATER, 12, "rounds"),
    ],
)
def test_the_redrive_loop_stops_for_its_reason(
    drained: bool, dlq_depth: int, deadline_in: float, rounds: int, reason: str
) -> None:
    deadline = time.monotonic() + deadline_in
    assert _stop_reason(drained, dlq_depth, deadline, rounds, max_rounds=12) == reason
