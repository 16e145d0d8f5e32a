"""One documented factor scales every production timeout on the local stack.

In AWS a failed message becomes visible again only after the queue's visibility timeout (6 x the
function timeout: minutes), so a trip to the DLQ takes `maxReceiveCount` x that. Locally the same ratios hold,
but every timeout is multiplied by `scale`, so retries and DLQ trips take seconds. SQS counts whole seconds,
so the local function timeout is rounded up to at least one second and the visibility timeout is 6 x that
plus the (scaled, rounded up) batching window, as the environment roots derive it. Retention periods are not
scaled (they are not timeouts).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

from imgpipe.local.settings import TerraformSettings
from imgpipe.stack import StackError

# 1/10: the dev function timeout of tens of seconds becomes a few seconds locally, still well above the
# time one batch takes on a laptop; a transient failure reaches the DLQ in well under a minute.
DEFAULT_TIME_SCALE = 0.1
TIME_SCALE_ENV = "IMGPIPE_TIME_SCALE"
VISIBILITY_PER_TIMEOUT = 6  # AWS: queue visibility timeout >= 6 x function timeout


@dataclass(frozen=True)
class LocalTimings:
    scale: float
    function_timeout_seconds: int
    visibility_timeout_seconds: int
    batching_window_seconds: float

    @classmethod
    def from_settings(cls, settings: TerraformSettings, scale: float | None = None) -> LocalTimings:
        scale = default_scale() if scale is None else scale
        if not 0 < scale <= 1:
            raise StackError(f"time scale must be in (0, 1], got {scale}")
        timeout = max(1, math.ceil(settings.integer("function_timeout_seconds") * scale))
        window = settings.integer("batching_window_seconds") * scale
        return cls(
            scale=scale,
            function_timeout_seconds=timeout,
            # As environments/*/main.tf derives it: 6 x function timeout + batching window.
            visibility_timeout_seconds=VISIBILITY_PER_TIMEOUT * timeout + math.ceil(window),
            batching_window_seconds=window,
        )


def default_scale() -> float:
    raw = os.environ.get(TIME_SCALE_ENV, "").strip()
    if not raw:
        return DEFAULT_TIME_SCALE
    try:
        return float(raw)
    except ValueError:
        raise StackError(f"{TIME_SCALE_ENV}={raw!r} is not a number") from None
