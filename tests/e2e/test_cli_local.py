"""`imgpipe local run` and `imgpipe local up` exit codes, report, outputs, shutdown: each applies
environments/dev to an emulator of its own, so each has an xdist group of its own."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from imgpipe.cli import main
from imgpipe.local.emulator import free_port
from tests.e2e.helpers import wait_for
from tests.fixtures_images import not_an_image, photo_jpeg

FUNCTION_TIMEOUT = "function_timeout_seconds=1"


@pytest.mark.xdist_group("cli-local-run")
def test_local_run_reports_every_upload_and_exits_1_on_a_rejection(tmp_path: Path) -> None:
    images = tmp_path / "images"
    (images / "a").mkdir(parents=True)
    (images / "a" / "one.jpg").write_bytes(photo_jpeg((320, 240)))
    (images / "two.jpg").write_bytes(photo_jpeg((240, 320)))
    (images / "bad.png").write_bytes(not_an_image())
    report_path = tmp_path / "report.json"
    result = CliRunner().invoke(
        main,
        ["local", "run", "--images", str(images), "--preset", "half", "--report", str(report_path),
         "--var", FUNCTION_TIMEOUT],
    )  # fmt: skip
    assert result.exit_code == 1, result.output  # one input was rejected
    report = json.loads(report_path.read_text())
    assert {k: report[k] for k in ("inputs", "processed", "rejected", "dead_lettered", "lost")} == {
        "inputs": 3,
        "processed": 2,
        "rejected": 1,
        "dead_lettered": 0,
        "lost": 0,
    }
    items = {item["key"]: item for item in report["items"]}
    assert items["uploads/bad.png"]["status"] == "REJECTED"
    assert items["uploads/bad.png"]["reason"]
    # --preset half: one variant at 50 %, in the original format.
    assert [(v["key"], v["width"], v["height"]) for v in items["uploads/a/one.jpg"]["variants"]] == [
        ("processed/a/one_half.jpg", 160, 120)
    ]
    assert "imgpipe local run" in result.stdout  # the summary table


@pytest.mark.xdist_group("cli-local-up")
def test_local_up_serves_until_sigterm_and_cleans_up(tmp_path: Path) -> None:
    port = free_port()
    outputs = tmp_path / "outputs.json"
    env = dict(os.environ)
    command = [
        sys.executable,
        "-m",
        "imgpipe.cli",
        "local",
        "up",
        "--port",
        str(port),
        "--outputs",
        str(outputs),
        "--var",
        FUNCTION_TIMEOUT,
    ]
    # Output to files, not pipes: nothing may block the server on a full pipe while the test waits.
    stdout_file, stderr_file = tmp_path / "stdout", tmp_path / "stderr"
    with stdout_file.open("w") as out, stderr_file.open("w") as err:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=err, text=True)
    try:
        wait_for(
            lambda: outputs.exists() or process.poll() is not None, 600, "the outputs file (terraform apply)"
        )
        assert outputs.exists(), stderr_file.read_text()[-2000:]
        values = {name: item["value"] for name, item in json.loads(outputs.read_text()).items()}
        assert values["endpoint_url"] == f"http://127.0.0.1:{port}"
        alarms = CliRunner().invoke(main, ["--outputs", str(outputs), "alarms", "--json"])
        assert alarms.exit_code == 0, alarms.output
        assert {a["state"] for a in json.loads(alarms.stdout)} == {"OK"}
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
        stdout, stderr = stdout_file.read_text(), stderr_file.read_text()
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr
    assert not outputs.exists()  # its endpoint is gone, so is the file
    assert "stopping" in stdout
