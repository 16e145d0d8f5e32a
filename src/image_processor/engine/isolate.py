"""`render_isolated`: `render` in a forked child whose CPU time and address space the kernel bounds.

The header checks (pixels, JPEG scans, the memory estimate) stop the inputs they can name; this bounds the
rest, in every format and decoder: a child that runs out of CPU seconds gets SIGXCPU, one that asks for more
memory than the budget gets a failed allocation (MemoryError), and one that outlives the caller's wall
deadline is killed. The invocation survives all three and can write its record.

A fork, not multiprocessing: its queues need /dev/shm, which Lambda does not have, and a spawned interpreter
would pay the imports again. The child shares the parent's pages (copy-on-write), so the source bytes and the
imported libraries cost nothing twice. It reports through a pipe: a pickled header, then each variant's bytes
as they are, so that no pickle copy of the outputs is ever made.
"""

import contextlib
import dataclasses
import os
import pickle
import selectors
import signal
import struct
import time
import warnings
from collections.abc import Sequence
from functools import cache
from typing import NoReturn

from PIL import Image

from image_processor.engine import heif
from image_processor.engine.errors import ImageRejected, RenderInterrupted
from image_processor.engine.limits import Limits, mebibytes
from image_processor.engine.render import Rendered, render
from image_processor.engine.specs import VariantSpec

try:
    import resource
except ImportError:  # pragma: no cover - not POSIX: no fork either
    resource = None  # type: ignore[assignment]

_CAN_FORK = hasattr(os, "fork") and resource is not None
_LENGTH = struct.Struct(">Q")
_CHUNK = 1 << 20
# Exit codes of a child that could not report (its pipe is gone, or even a small pickle failed).
_EXIT_UNREPORTED = 70
_EXIT_NO_MEMORY = 71
_M_ARENA_MAX = -8  # glibc's mallopt parameter number


def render_isolated(
    data: bytes, specs: Sequence[VariantSpec], limits: Limits, *, wall_seconds: float | None
) -> Rendered:
    """`render(data, specs, limits)` in a child process bounded by `limits.max_render_cpu_seconds` of CPU and
    `limits.decode_memory_budget` bytes of address space beyond the parent's, and by `wall_seconds` of wall
    time (None: no deadline).

    Raises `ImageRejected` for everything `render` rejects and for a child over its CPU or memory budget;
    `RenderInterrupted` when the wall deadline came first or the child died any other way (the input is not
    known to be bad: retry). Without `os.fork` (not POSIX) it is `render` in this process.
    """
    if not _CAN_FORK:
        return render(data, specs, limits)
    _prepare()
    heif.prepare(data)  # here, not in the child: the children after it inherit the opener
    read_fd, write_fd = os.pipe()
    # A parent with threads (the local stack's pollers; Python 3.12 warns about it) is safe to fork from: the
    # child only renders (everything imported already, see _prepare) and writes to its own pipe.
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child; coverage does not follow it
        os.close(read_fd)
        _child(write_fd, data, specs, limits)
    os.close(write_fd)
    reaped = False
    try:
        deadline = None if wall_seconds is None else time.monotonic() + max(0.0, wall_seconds)
        with _Pipe(read_fd, deadline) as pipe:
            try:
                outcome = _receive(pipe)
            except TimeoutError:
                _kill(pid)
                reaped = True
                raise RenderInterrupted(
                    f"render stopped at its wall deadline of {wall_seconds:.1f} s"
                ) from None
        _, status, usage = os.wait4(pid, 0)
        reaped = True
    finally:
        if not reaped:
            _kill(pid)
    if outcome is not None:
        return _result(outcome, limits)
    return _died(status, usage.ru_utime + usage.ru_stime, limits)


@cache
def _prepare() -> None:
    # Everything a render may import lazily is imported here, once, in the parent: a child would import it
    # again on every upload, inside its CPU and memory budgets.
    Image.init()
    import ctypes  # noqa: F401, PLC0415 - for _one_malloc_arena

    from PIL import ImageCms, ImageMath  # noqa: F401, PLC0415


def _child(fd: int, data: bytes, specs: Sequence[VariantSpec], limits: Limits) -> None:  # pragma: no cover
    code = 0
    # Nothing in the child may write to the parent's streams: another of its threads may have held their
    # locks at the fork. Pillow's warnings (corrupt EXIF, ...) would; the render makes its own exceptions.
    warnings.simplefilter("ignore")
    try:
        start = _address_space()
        _bound(limits, start)
        try:
            outcome: tuple[str, object] = ("rendered", render(data, specs, limits))
        except ImageRejected as rejected:
            outcome = ("rejected", rejected.reason)
        except MemoryError:
            outcome = ("no-memory", None)
        except Exception as error:  # a bug, not the input: the parent raises RenderInterrupted with it
            outcome = ("error", f"{type(error).__name__}: {error}"[:300])
        if outcome[0] in ("rejected", "error") and _ran_out(start, limits):
            outcome = ("no-memory", None)
        _send(fd, outcome)
    except MemoryError:
        code = _EXIT_NO_MEMORY
    except BaseException:
        code = _EXIT_UNREPORTED
    finally:
        os._exit(code)


def _bound(limits: Limits, address_space: int | None) -> None:  # pragma: no cover - runs in the child
    cpu = limits.max_render_cpu_seconds
    _, cpu_hard = resource.getrlimit(resource.RLIMIT_CPU)
    # SIGXCPU at the soft limit ends the child (its default action); the hard limit one second later is
    # SIGKILL, should anything in the child have caught SIGXCPU.
    hard = cpu + 1 if cpu_hard == resource.RLIM_INFINITY else min(cpu + 1, cpu_hard)
    resource.setrlimit(resource.RLIMIT_CPU, (min(cpu, hard), hard))
    # SIGXCPU (and a crash) would dump core: as large as the child, for an outcome the parent reports anyway.
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if address_space is None:
        return  # no procfs (not Linux): the CPU limit and the header estimate still hold
    _one_malloc_arena()
    _, as_hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = address_space + limits.decode_memory_budget
    if as_hard != resource.RLIM_INFINITY:
        limit = min(limit, as_hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, as_hard))


def _one_malloc_arena() -> None:  # pragma: no cover - runs in the child
    # glibc reserves 64 MiB of address space per thread's malloc arena (AVIF's codecs start threads): that is
    # address space the limit counts but memory nobody uses. One arena keeps the limit close to the RSS.
    import ctypes  # noqa: PLC0415 - imported by _prepare already

    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to tune
        ctypes.CDLL(None).mallopt(_M_ARENA_MAX, 1)


def _address_space() -> int | None:  # pragma: no cover - runs in the child
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return None


def _ran_out(start: int | None, limits: Limits) -> bool:  # pragma: no cover - runs in the child
    """Whether a failure is most likely the address-space limit: libwebp, libtiff or libavif report a failed
    allocation as an error of their own ("encoding error 1"), which `render` calls corrupt data or an encoder
    failure. A child that had used over half its budget by then ran out of it; a corrupt file fails early."""
    if start is None:
        return False
    try:
        with open("/proc/self/status") as status:
            peak_kib = next(int(line.split()[1]) for line in status if line.startswith("VmPeak:"))
    except (OSError, StopIteration, ValueError):
        return False
    return peak_kib * 1024 - start >= limits.decode_memory_budget / 2


def _send(fd: int, outcome: tuple[str, object]) -> None:  # pragma: no cover - runs in the child
    kind, payload = outcome
    bodies: list[bytes] = []
    if isinstance(payload, Rendered):
        bodies = [variant.body for variant in payload.variants]
        variants = [dataclasses.replace(variant, body=b"") for variant in payload.variants]
        payload = (dataclasses.replace(payload, variants=variants), [len(body) for body in bodies])
    header = pickle.dumps((kind, payload), protocol=pickle.HIGHEST_PROTOCOL)
    with open(fd, "wb", buffering=0, closefd=True) as pipe:
        _write_all(pipe.fileno(), _LENGTH.pack(len(header)) + header)
        for body in bodies:
            _write_all(pipe.fileno(), body)


def _write_all(fd: int, data: bytes) -> None:  # pragma: no cover - runs in the child
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view[:_CHUNK]) :]


class _Pipe:
    """The read end of the child's pipe, read against a deadline (TimeoutError past it)."""

    def __init__(self, fd: int, deadline: float | None) -> None:
        self._fd = fd
        self._deadline = deadline
        self._selector = selectors.DefaultSelector()
        self._selector.register(fd, selectors.EVENT_READ)

    def __enter__(self) -> "_Pipe":
        return self

    def __exit__(self, *_exc: object) -> None:
        self._selector.close()
        os.close(self._fd)

    def read(self, n: int) -> bytes | None:
        """Exactly `n` bytes, or None if the child closed the pipe first (it died)."""
        chunks: list[bytes] = []
        left = n
        while left:
            timeout = None if self._deadline is None else self._deadline - time.monotonic()
            if timeout is not None and timeout <= 0:
                raise TimeoutError
            if not self._selector.select(timeout):
                continue  # woken up at the deadline: the check above raises
            chunk = os.read(self._fd, min(left, _CHUNK))
            if not chunk:
                return None
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)


def _receive(pipe: _Pipe) -> tuple[str, object] | None:
    length = pipe.read(_LENGTH.size)
    header = None if length is None else pipe.read(_LENGTH.unpack(length)[0])
    if header is None:
        return None
    kind, payload = pickle.loads(header)  # noqa: S301 - written by our own child, through our own pipe
    if kind != "rendered":
        return kind, payload
    rendered, sizes = payload
    variants = []
    for variant, size in zip(rendered.variants, sizes, strict=True):
        body = pipe.read(size)
        if body is None:
            return None
        variants.append(dataclasses.replace(variant, body=body))
    return kind, dataclasses.replace(rendered, variants=variants)


def _result(outcome: tuple[str, object], limits: Limits) -> Rendered:
    kind, payload = outcome
    if kind == "rendered":
        assert isinstance(payload, Rendered)
        return payload
    if kind == "rejected":
        raise ImageRejected(str(payload))
    if kind == "no-memory":
        raise _over_memory(limits)
    raise RenderInterrupted(f"render failed in its child process: {payload}")


def _died(status: int, cpu_seconds: float, limits: Limits) -> NoReturn:
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        over_cpu = cpu_seconds >= limits.max_render_cpu_seconds
        if number == signal.SIGXCPU or (number == signal.SIGKILL and over_cpu):
            raise ImageRejected(f"decoding exceeded the CPU budget of {limits.max_render_cpu_seconds} s")
        raise RenderInterrupted(f"render child killed by {signal.Signals(number).name}")
    code = os.WEXITSTATUS(status)
    if code == _EXIT_NO_MEMORY:
        raise _over_memory(limits)
    raise RenderInterrupted(f"render child exited with code {code} without a result")


def _over_memory(limits: Limits) -> ImageRejected:
    budget = mebibytes(limits.decode_memory_budget)
    return ImageRejected(f"decoding exceeded the memory budget of {budget} MiB")


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # it had exited already: waitpid collects it
        os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
