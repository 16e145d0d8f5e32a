"""Fault injection at the botocore client boundary, and call counting.

A `before-call.<service>.<Operation>` handler that returns `(http_response, parsed)` short-circuits the call:
botocore then raises the `ClientError` a real service error would produce (no retries), so everything above
the client (adapters, classification, processor) runs exactly as in production. The same recipe works on the
handler module's clients in the local stack: `handler.processor.store.client.meta.events.register(...)`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from botocore.awsrequest import AWSResponse


class ServiceError:
    """Make `operation` fail with `code`/`status` for matching calls; `.calls` counts injected failures."""

    def __init__(
        self,
        client: Any,
        operation: str,
        code: str,
        status: int,
        *,
        when: Callable[[dict[str, Any]], bool] = lambda _params: True,
        times: int | None = None,
    ) -> None:
        self.client, self.code, self.status, self.when, self.times = client, code, status, when, times
        self.calls = 0
        service = client.meta.service_model.service_id.hyphenize()
        # `before-call` sees the serialized request, not the API parameters: stash those in the call's context
        # first (`before-parameter-build` gets both), so `when` can look at `Key`, `TableName`, ...
        self.events = (f"before-parameter-build.{service}.{operation}", f"before-call.{service}.{operation}")
        client.meta.events.register(self.events[0], _remember_params)
        client.meta.events.register(self.events[1], self._hook)

    def _hook(self, context: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        params = context.get(_PARAMS, {})
        if not self.when(params) or (self.times is not None and self.calls >= self.times):
            return None
        self.calls += 1
        parsed = {
            "Error": {"Code": self.code, "Message": "injected by the test"},
            "ResponseMetadata": {"HTTPStatusCode": self.status},
        }
        return AWSResponse("https://injected.invalid", self.status, {}, None), parsed

    def remove(self) -> None:
        self.client.meta.events.unregister(self.events[1], self._hook)


_PARAMS = "imgpipe_test_params"


def _remember_params(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
    context[_PARAMS] = dict(params)


class CallCounter:
    """Counts the API calls a client makes, by operation name (`counter["PutObject"]`)."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.counts: Counter[str] = Counter()
        self.keys: list[tuple[str, str]] = []
        service = client.meta.service_model.service_id.hyphenize()
        self.event = f"before-parameter-build.{service}"
        client.meta.events.register(self.event, self._hook)

    def _hook(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        self.counts[model.name] += 1
        if "Key" in params and isinstance(params["Key"], str):
            self.keys.append((model.name, params["Key"]))

    def __getitem__(self, operation: str) -> int:
        return self.counts[operation]

    def remove(self) -> None:
        self.client.meta.events.unregister(self.event, self._hook)
