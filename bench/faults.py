"""Fault injection at the AWS client boundary of the function, for the soak run and its short test.

Everything here works from *outside* the function: it registers botocore event hooks on the handler module's
own clients (`handler.processor.store.client`, `handler.processor.records.client`) and wraps the handler that
the local event source mapping invokes. Nothing in `src/` is changed.

Fault points, each firing with probability `rate` (default 10 %), from one seeded RNG:

- `s3_get_5xx` / `s3_get_throttle` -- each S3 GetObject call of the function: `InternalError` 500 or
  `ServiceUnavailable` 503 / `SlowDown` 503 (a firing picks one of the two kinds);
- `s3_put_5xx` / `s3_put_throttle` -- each S3 PutObject call, the same errors;
- `dynamodb_throttle` -- each DynamoDB call of the function: `ProvisionedThroughputExceededException` or
  `ThrottlingException` (HTTP 400);
- `deadline` -- each invocation: at a random AWS call the function stalls until past its deadline, and Lambda
  stops it there (nothing after that point runs; the mapping retries the whole batch);
- `poller_kill` -- each invocation: at a random AWS call the poller thread dies, mid-batch, deleting nothing;
  `PollerSupervisor` starts a new poller, as Lambda's managed pollers would be replaced;
- `duplicate` -- each first delivery of a message: a copy is sent to the queue again (at-least-once delivery).

A kind that has not fired after 1/rate chances fires at its next one, so short runs see every kind.

The AWS faults short-circuit the call in `before-call` (as `tests/integration/function_faults.py` does): the
call fails as if the SDK's own retries were exhausted, so every firing reaches the processor and exercises the
SQS retry / DLQ path; botocore raises the same `ClientError` a real service answer produces.

`CallLedger` watches the same clients for what really happened: successful PutObject calls per variant key and
final-record writes per source object, with timestamps. That is how the soak counts duplicate renders/records
and measures upload -> final record latency.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from botocore.awsrequest import AWSResponse

Handler = Callable[[dict[str, Any], Any], Any]

AWS_KINDS = ("s3_get_5xx", "s3_get_throttle", "s3_put_5xx", "s3_put_throttle", "dynamodb_throttle")
INVOCATION_KINDS = ("deadline", "poller_kill")
ALL_KINDS = (*AWS_KINDS, *INVOCATION_KINDS, "duplicate")
DEFAULT_RATE = 0.10
DUPLICATE_ATTRIBUTE = "imgpipe-soak-duplicate-of"
_CONTEXT_KEY = "imgpipe_soak"
_S3_5XX = (("InternalError", 500), ("ServiceUnavailable", 503))
_S3_THROTTLE = (("SlowDown", 503),)
_DYNAMODB_THROTTLE = (("ProvisionedThroughputExceededException", 400), ("ThrottlingException", 400))
_FINAL = frozenset({"PROCESSED", "REJECTED"})


class DeadlineExceeded(BaseException):
    """Raised inside the function once it has run past its deadline: Lambda stops the runtime there."""


@dataclass
class _Invocation:
    """What is planned for the invocation running on this thread."""

    context: Any
    calls: int = 0
    deadline_at: int | None = None
    kill_at: int | None = None


def _short_circuit(code: str, status: int) -> tuple[AWSResponse, dict[str, Any]]:
    parsed = {
        "Error": {"Code": code, "Message": "injected by bench/faults.py"},
        "ResponseMetadata": {"HTTPStatusCode": status},
    }
    return AWSResponse("https://fault.invalid", status, {}, None), parsed


def _service(client: Any) -> str:
    return str(client.meta.service_model.service_id.hyphenize())


def _remember_params(params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
    context[_CONTEXT_KEY] = {"operation": model.name, "params": dict(params)}


@dataclass
class FaultInjector:
    """Seeded fault injection on the function's clients and around its handler; counts what it did."""

    rate: float = DEFAULT_RATE
    seed: int = 0
    kinds: frozenset[str] = frozenset(ALL_KINDS)
    sqs: Any = None  # a client to send duplicate deliveries with
    queue_url: str | None = None
    injected: Counter[str] = field(default_factory=Counter)
    opportunities: Counter[str] = field(default_factory=Counter)
    enabled: bool = True

    def __post_init__(self) -> None:
        unknown = set(self.kinds) - set(ALL_KINDS)
        if unknown:
            raise ValueError(
                f"unknown fault kinds: {', '.join(sorted(unknown))} (known: {', '.join(ALL_KINDS)})"
            )
        if not 0 <= self.rate <= 1:
            raise ValueError(f"fault rate must be in [0, 1], got {self.rate}")
        if "duplicate" in self.kinds and (self.sqs is None or self.queue_url is None):
            raise ValueError("duplicate deliveries need `sqs` and `queue_url`")
        self._rng = random.Random(self.seed)
        self._lock = threading.Lock()
        self._local = threading.local()
        self._hooks: list[tuple[Any, str, Callable[..., Any]]] = []

    # --- decisions ----------------------------------------------------------------------------------------

    def _fires(self, *candidates: str, count: bool = True) -> str | None:
        """One fault point: None, or the kind (among the enabled `candidates`) that fires.

        `count=False`: the firing is counted later, when the planned fault really strikes."""
        enabled = [kind for kind in candidates if kind in self.kinds]
        if not enabled or not self.enabled:
            return None
        with self._lock:
            for kind in enabled:
                self.opportunities[kind] += 1
            kind = enabled[0] if len(enabled) == 1 else self._rng.choice(enabled)
            # Short runs must still see every kind: one that has not struck after 1/rate chances fires now.
            overdue = self.rate > 0 and self.injected[kind] == 0 and self.opportunities[kind] >= 1 / self.rate
            if self._rng.random() >= self.rate and not overdue:
                return None
            if count:
                self.injected[kind] += 1
            return kind

    def _choice(self, options: tuple[tuple[str, int], ...]) -> tuple[str, int]:
        with self._lock:
            return options[0] if len(options) == 1 else self._rng.choice(options)

    def _randint(self, low: int, high: int) -> int:
        with self._lock:
            return self._rng.randint(low, high)

    # --- the client boundary ------------------------------------------------------------------------------

    def attach(self, s3: Any, dynamodb: Any) -> None:
        """Register the hooks on the function's S3 and DynamoDB clients."""
        self._register(s3, f"before-call.{_service(s3)}", self._s3_call)
        self._register(dynamodb, f"before-call.{_service(dynamodb)}", self._dynamodb_call)

    def detach(self) -> None:
        for client, event, hook in self._hooks:
            client.meta.events.unregister(event, hook)
        self._hooks.clear()

    def _register(self, client: Any, event: str, hook: Callable[..., Any]) -> None:
        client.meta.events.register(event, hook)
        self._hooks.append((client, event, hook))

    def _s3_call(self, model: Any, **_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        self._invocation_point()
        if model.name == "GetObject":
            kind = self._fires("s3_get_5xx", "s3_get_throttle")
        elif model.name == "PutObject":
            kind = self._fires("s3_put_5xx", "s3_put_throttle")
        else:
            return None
        if kind is None:
            return None
        return _short_circuit(*self._choice(_S3_THROTTLE if kind.endswith("throttle") else _S3_5XX))

    def _dynamodb_call(self, model: Any, **_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        self._invocation_point()
        if self._fires("dynamodb_throttle") is None:
            return None
        return _short_circuit(*self._choice(_DYNAMODB_THROTTLE))

    def _invocation_point(self) -> None:
        """Every AWS call of an invocation is a point where a planned deadline or kill can strike."""
        plan: _Invocation | None = getattr(self._local, "invocation", None)
        if plan is None:
            return
        plan.calls += 1
        if plan.kill_at is not None and plan.calls >= plan.kill_at:
            plan.kill_at = None
            with self._lock:
                self.injected["poller_kill"] += 1
            # SystemExit itself: the thread dies on the spot, and threading's excepthook ignores exactly it.
            raise SystemExit("poller killed mid-batch by bench/faults.py")
        if plan.deadline_at is not None and plan.calls >= plan.deadline_at:
            plan.deadline_at = None
            with self._lock:
                self.injected["deadline"] += 1
            # A stuck dependency: the function only gets control back after the deadline, and Lambda stops it.
            remaining = plan.context.get_remaining_time_in_millis() / 1000 if plan.context else 0.0
            time.sleep(remaining + 0.05)
            raise DeadlineExceeded

    # --- around the handler -------------------------------------------------------------------------------

    def wrap(self, handler: Handler) -> Handler:
        """The handler as the event source mapping should call it: duplicates sent, deadline/kill planned."""

        def invoke(event: dict[str, Any], context: Any) -> Any:
            records = event.get("Records", [])
            self._duplicate(records)
            plan = _Invocation(context=context)
            # Roughly 8 AWS calls per image; a strike planned beyond the invocation's last call does not
            # happen (and is not counted).
            span = max(2, 8 * len(records))
            if self._fires("deadline", count=False):
                plan.deadline_at = self._randint(1, span)
            if self._fires("poller_kill", count=False):
                plan.kill_at = self._randint(1, span)
            self._local.invocation = plan
            try:
                return handler(event, context)
            except DeadlineExceeded:
                # The mapping sees an invocation that ran past its timeout and retries the whole batch.
                return None
            finally:
                self._local.invocation = None

        return invoke

    def _duplicate(self, records: Iterable[dict[str, Any]]) -> None:
        for record in records:
            if DUPLICATE_ATTRIBUTE in (record.get("messageAttributes") or {}):
                continue  # copies are not copied again
            if str(record.get("attributes", {}).get("ApproximateReceiveCount", "1")) != "1":
                continue
            if self._fires("duplicate") is None:
                continue
            self.sqs.send_message(
                QueueUrl=self.queue_url,
                MessageBody=record["body"],
                MessageAttributes={
                    DUPLICATE_ATTRIBUTE: {"DataType": "String", "StringValue": record["messageId"]}
                },
            )

    def summary(self) -> dict[str, Any]:
        with self._lock:
            return {
                "rate": self.rate,
                "seed": self.seed,
                "kinds": sorted(self.kinds),
                "injected": dict(sorted(self.injected.items())),
                "opportunities": dict(sorted(self.opportunities.items())),
                "total_injected": sum(self.injected.values()),
            }


class PollerSupervisor:
    """Starts a new poller for each one that died (a killed poller), like Lambda's managed pollers do.

    Uses the local event source mapping's `_threads` and `_run`: see the hook request in docs/capacity.md.
    """

    def __init__(self, mapping: Any, interval: float = 0.1) -> None:
        self.mapping = mapping
        self.interval = interval
        self.restarts = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="soak-poller-supervisor", daemon=True)

    def start(self) -> PollerSupervisor:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def _watch(self) -> None:
        while not self._stop.wait(self.interval):
            if self.mapping._stop.is_set():
                return
            threads = self.mapping._threads
            for index, thread in enumerate(list(threads)):
                if thread.is_alive():
                    continue
                replacement = threading.Thread(
                    target=self.mapping._run, name=f"{thread.name}-restarted", daemon=True
                )
                replacement.start()
                threads[index] = replacement
                self.restarts += 1


@dataclass
class CallLedger:
    """What the function's clients really did: successful variant writes and final-record writes."""

    bucket_puts: Counter[str] = field(default_factory=Counter)  # successful PutObject per variant key
    source_of: dict[str, str] = field(default_factory=dict)  # variant key -> source pk ("bucket/key")
    final_writes: dict[str, list[tuple[float, str]]] = field(default_factory=lambda: defaultdict(list))
    put_times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    calls: Counter[str] = field(default_factory=Counter)  # successful calls per operation
    settled: set[str] = field(default_factory=set)  # source pks with any final record (FAILED included)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._hooks: list[tuple[Any, str, Callable[..., Any]]] = []

    def attach(self, s3: Any, dynamodb: Any) -> None:
        for client in (s3, dynamodb):
            service = _service(client)
            for event, hook in (
                (f"before-parameter-build.{service}", _remember_params),
                (f"after-call.{service}", self._after_call),
            ):
                client.meta.events.register(event, hook)
                self._hooks.append((client, event, hook))

    def detach(self) -> None:
        for client, event, hook in self._hooks:
            client.meta.events.unregister(event, hook)
        self._hooks.clear()

    def _after_call(self, http_response: Any, model: Any, context: dict[str, Any], **_: Any) -> None:
        if http_response is None or http_response.status_code >= 300:
            return
        now = time.time()
        params = context.get(_CONTEXT_KEY, {}).get("params", {})
        with self._lock:
            self.calls[model.name] += 1
            if model.name == "PutObject":
                key = params["Key"]
                metadata = params.get("Metadata") or {}
                bucket = metadata.get("source-bucket", params["Bucket"])
                source = f"{bucket}/{unquote(metadata.get('source-key', ''))}"
                self.bucket_puts[key] += 1
                self.source_of[key] = source
                self.put_times[key].append(now)
            elif model.name == "PutItem":
                item = params.get("Item", {})
                status = item.get("status", {}).get("S", "")
                pk = item.get("pk", {}).get("S", "")
                if pk:
                    self.final_writes[pk].append((now, status))
                    if status in (*_FINAL, "FAILED"):
                        self.settled.add(pk)

    def finished_at(self, pk: str) -> float | None:
        """When the first final record (PROCESSED/REJECTED) of a source object was written."""
        times = [t for t, status in self.final_writes.get(pk, []) if status in _FINAL]
        return min(times) if times else None

    def duplicates(self) -> dict[str, Any]:
        """Renders and records that happened although the object already had its final record.

        - a variant PutObject after its source's first PROCESSED/REJECTED write is a duplicate render;
        - a second PROCESSED/REJECTED write for the same object is a duplicate record.
        Re-writing a variant *before* the final record (a retry after a transient failure) is not one.
        """
        with self._lock:
            late_puts = {
                key: sum(
                    1
                    for t in times
                    if (done := self.finished_at(self.source_of[key])) is not None and t > done
                )
                for key, times in self.put_times.items()
            }
            extra_finals = {
                pk: sum(1 for _, status in writes if status in _FINAL) - 1
                for pk, writes in self.final_writes.items()
                if sum(1 for _, status in writes if status in _FINAL) > 1
            }
        late = {key: n for key, n in late_puts.items() if n}
        rewrites = sum(n - 1 for n in self.bucket_puts.values() if n > 1)
        return {
            "renders_after_final_record": sum(late.values()),
            "extra_final_records": sum(extra_finals.values()),
            "variant_keys_written_more_than_once": sum(1 for n in self.bucket_puts.values() if n > 1),
            "variant_rewrites_before_final_record": rewrites - sum(late.values()),
            "examples": sorted(late)[:5] + sorted(extra_finals)[:5],
        }
