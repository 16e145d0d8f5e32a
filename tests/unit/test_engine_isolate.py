"""render_isolated: the same render in a forked child, with CPU, memory and wall-time budgets that hold."""

import os
import signal
import subprocess
import sys
import time
from typing import NoReturn

import pytest

from image_processor.engine import (
    ImageRejected,
    Limits,
    RenderInterrupted,
    isolate,
    load_variants,
    render,
    render_isolated,
)
from tests import fixtures_images as fx
from tests.hostile import bombs
from tests.hostile.corpus import case

DEFAULT = load_variants("default")
MIB = 1 << 20


@pytest.mark.parametrize(
    "data",
    [fx.photo_jpeg(), fx.rgba_png(), fx.cmyk_jpeg(with_icc=True), fx.oriented_jpeg(6), fx.mpo()],
    ids=["jpeg", "rgba-png", "cmyk-jpeg", "rotated-jpeg", "mpo"],
)
def test_a_render_in_the_child_is_the_render_in_process(data: bytes) -> None:
    # GIVEN an image WHEN rendered in a child and in this process THEN every variant is byte for byte the same
    assert render_isolated(data, DEFAULT, Limits(), wall_seconds=None) == render(data, DEFAULT, Limits())


def test_a_rejection_in_the_child_is_the_same_rejection() -> None:
    with pytest.raises(ImageRejected) as in_process:
        render(fx.truncated_jpeg(), DEFAULT, Limits())
    with pytest.raises(ImageRejected) as isolated:
        render_isolated(fx.truncated_jpeg(), DEFAULT, Limits(), wall_seconds=30)
    assert isolated.value.reason == in_process.value.reason


def test_a_child_past_its_cpu_budget_is_rejected_with_the_cpu_reason() -> None:
    # GIVEN the scan bomb (~60 s of libjpeg CPU) with the scan count out of the way and a 1 s CPU budget
    limits = Limits(max_jpeg_scans=1_000_000, max_render_cpu_seconds=1)
    # WHEN it is rendered in a child THEN the kernel stops the child and the input is rejected for it
    with pytest.raises(ImageRejected) as caught:
        render_isolated(case("jpeg_scan_bomb").data, DEFAULT, limits, wall_seconds=None)
    assert caught.value.reason == "decoding exceeded the CPU budget of 1 s"


# The memory tests run render_isolated from a fresh interpreter: a child can reuse heap its parent has freed
# (already mapped, so outside RLIMIT_AS), and a test worker has freed whatever the tests before it used, so
# from a worker which allocation fails first (or whether any does) would depend on the tests run before.
_MEMORY_PROBE = """
import sys
from image_processor.engine import ImageRejected, Limits, decode, isolate, load_variants, render_isolated
decode.check_memory = lambda needed, limits: None  # the header estimate off: the child meets the limit itself
if sys.argv[3] == "no-peak":
    isolate._ran_out = lambda start, limits: False  # as if the child had not used its budget
limits = Limits(decode_memory_budget=int(sys.argv[2]) << 20)
try:
    render_isolated(sys.stdin.buffer.read(), load_variants(sys.argv[1]), limits, wall_seconds=None)
    print("PROCESSED")
except ImageRejected as rejected:
    print(rejected.reason)
"""


def _isolated_in_a_fresh_interpreter(data: bytes, variants: str, budget_mib: int, peak: str = "peak") -> str:
    result = subprocess.run(
        [sys.executable, "-c", _MEMORY_PROBE, variants, str(budget_mib), peak],
        input=data,
        capture_output=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    return result.stdout.decode().strip()


def test_a_child_over_its_memory_budget_is_rejected_with_the_memory_reason() -> None:
    # GIVEN a 16 MP RGBA image (64 MB of pixels) and a 32 MiB budget
    data = bombs.png_rgba_memory_bomb(4000)
    # WHEN it is rendered in a child THEN the decode's allocation fails and the input is rejected for it
    reason = _isolated_in_a_fresh_interpreter(data, "default", 32)
    assert reason == "decoding exceeded the memory budget of 32 MiB"


def test_an_encoder_out_of_memory_is_the_memory_reason_not_the_encoders() -> None:
    # GIVEN a 16 MP RGBA image whose decode fits 200 MiB but whose WebP encode (~290 MB) does not
    data = bombs.png_rgba_memory_bomb(4000)
    webp = '[{"name": "w", "format": "webp"}]'
    # WHEN rendered in the bounded child THEN libwebp's failed allocation is reported as what it is ...
    assert (
        _isolated_in_a_fresh_interpreter(data, webp, 200) == "decoding exceeded the memory budget of 200 MiB"
    )
    # ... where the render alone can only repeat the encoder's own words for it
    assert _isolated_in_a_fresh_interpreter(data, webp, 200, "no-peak") == (
        "cannot encode variant w as webp: encoding error 1"
    )


def test_a_child_past_the_wall_deadline_is_killed_and_the_render_interrupted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN a render that waits (no CPU: only the wall deadline can stop it)
    monkeypatch.setattr(isolate, "render", lambda *args: time.sleep(600))
    # WHEN rendered with 0.2 s of wall time THEN it is interrupted, not rejected: the input is not known bad
    with pytest.raises(RenderInterrupted) as caught:
        render_isolated(fx.grey_jpeg(), DEFAULT, Limits(), wall_seconds=0.2)
    assert str(caught.value) == "render stopped at its wall deadline of 0.2 s"
    assert not isinstance(caught.value, ImageRejected)


def _killed(*_args: object) -> NoReturn:
    # As the kernel's OOM killer would (SIGSEGV would do too, but pytest's faulthandler prints for it).
    os.kill(os.getpid(), signal.SIGKILL)
    raise AssertionError("unreachable")


def _exit_3(*_args: object) -> NoReturn:
    os._exit(3)


def _raise_bug(*_args: object) -> NoReturn:
    raise RuntimeError("a bug")


@pytest.mark.parametrize(
    ("work", "message"),
    [
        (_killed, "render child killed by SIGKILL"),
        (_exit_3, "render child exited with code 3 without a result"),
        (_raise_bug, "render failed in its child process: RuntimeError: a bug"),
    ],
    ids=["signal", "exit", "exception"],
)
def test_any_other_end_of_the_child_interrupts_the_render_with_what_happened(
    work: object, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(isolate, "render", work)
    with pytest.raises(RenderInterrupted) as caught:
        render_isolated(fx.grey_jpeg(), DEFAULT, Limits(), wall_seconds=30)
    assert str(caught.value) == message


def test_without_fork_the_render_runs_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a platform without os.fork
    monkeypatch.setattr(isolate, "_CAN_FORK", False)
    monkeypatch.setattr(os, "fork", lambda: pytest.fail("forked"))
    # WHEN rendered THEN it is the in-process render
    data = fx.photo_jpeg()
    assert render_isolated(data, DEFAULT, Limits(), wall_seconds=1) == render(data, DEFAULT, Limits())


def test_no_child_is_left_behind(monkeypatch: pytest.MonkeyPatch) -> None:
    children: list[int] = []
    fork = os.fork

    def recording_fork() -> int:
        pid = fork()
        if pid:
            children.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", recording_fork)
    # GIVEN renders that end every way: a result, a rejection, a deadline
    render_isolated(fx.grey_jpeg(), DEFAULT, Limits(), wall_seconds=30)
    with pytest.raises(ImageRejected):
        render_isolated(b"not an image", DEFAULT, Limits(), wall_seconds=30)
    with pytest.raises(RenderInterrupted):
        render_isolated(case("jpeg_scan_bomb").data, DEFAULT, Limits(max_jpeg_scans=10**6), wall_seconds=0)
    # THEN each of their children was reaped
    assert len(children) == 3
    for pid in children:
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
