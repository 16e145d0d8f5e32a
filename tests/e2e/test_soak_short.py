"""The soak in small: ~100 uploads through the local stack with faults at every AWS call, then DLQ redrive.

`make soak` runs the same harness (bench/soak.py) with 2 000 uploads; docs/capacity.md has its figures.
One test function on purpose: the soak runs once even where `--dist loadgroup` does not keep a group on one
worker (pytest 9.2 with pytest-xdist 3.8, pytest-dev/pytest-xdist#1386).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from faults import ALL_KINDS
from soak import RESULT_KEYS, SoakConfig, run_soak

UPLOADS = 100
BAD = 5  # 5 % bad inputs


@pytest.mark.xdist_group("soak")
# A killed poller is a thread that dies of SystemExit, on purpose.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_soak_under_faults_loses_nothing_and_does_nothing_twice(tmp_path: Path) -> None:
    # GIVEN the local stack with the dev settings (function timeout scaled to 1 s), four pollers, every fault
    # kind injected at 10 % of its fault points while the uploads drain (the incident is over when the
    # operator redrives; `make soak` keeps the faults on through the redrive too), 5 % bad inputs
    config = SoakConfig(
        uploads=UPLOADS,
        bad_fraction=BAD / UPLOADS,
        fault_rate=0.10,
        redrive_fault_rate=0.0,
        pollers=4,
        function_timeout=1,
        # A guard against a hang, not a speed target: ~85 s on an idle 2-core machine, and under a loaded one
        # batches outlive the 1 s timeout, go round again and reach the DLQ more often (more redrive rounds).
        timeout_seconds=400.0,
        output=tmp_path / "results.json",
        work_dir=tmp_path,
    )

    # WHEN 100 images are uploaded, the queue drains and the DLQ is redriven until it stays empty
    soak = run_soak(config, log=lambda *_: None)
    detail = soak["detail"]

    # THEN the run ended with the queue drained and the DLQ empty, neither out of time nor out of rounds
    assert detail["stopped_by"] == "dlq_empty", (detail["seconds_total"], detail["redrive_rounds"])
    # AND every upload has exactly one final record: good ones PROCESSED with variants, bad ones REJECTED
    assert soak["lost"] == 0, detail["lost_detail"]
    assert (soak["processed"], soak["rejected"]) == (UPLOADS - BAD, BAD), detail["misclassified"]
    assert detail["misclassified"] == []
    assert detail["missing_variants"] == []
    # AND nothing was rendered or recorded twice, although every message risked a duplicate delivery
    assert soak["duplicates"] == 0, detail["duplicates"]
    # AND every fault kind struck, and every killed poller was replaced
    injected = detail["faults"]["injected"]
    assert {kind for kind in ALL_KINDS if injected.get(kind, 0) > 0} == set(ALL_KINDS), injected
    assert detail["poller_restarts"] == injected["poller_kill"]
    # AND with the faults over, the redrive emptied the DLQ: in one round, unless batches of a round outlived
    # the 1 s function timeout (a busy machine; a real timeout sends its messages round again, to the DLQ too)
    rounds = detail["redrive_rounds"]
    assert bool(rounds) == bool(soak["dead_lettered_before_redrive"]), rounds
    assert not rounds or rounds[-1]["dlq_after"] == 0, rounds
    assert all(r["dlq_after"] == 0 or r["timeouts"] > 0 for r in rounds), rounds
    assert soak["checks"] == dict.fromkeys(soak["checks"], True), soak["checks"]
    # AND the results have the documented keys, with figures from the run
    assert set(RESULT_KEYS) <= set(soak)
    assert soak["fault_rate"] == 0.10
    assert soak["throughput_images_per_s"] > 0
    assert 0 < soak["latency_p50_ms"] <= soak["latency_p95_ms"]
    assert (tmp_path / "results.json").is_file()
