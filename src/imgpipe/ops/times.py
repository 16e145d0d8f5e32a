"""Time options: ISO-8601 instants or relative ages (`90s`, `15m`, `6h`, `2d`, `1w`), always UTC."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_RELATIVE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_time(text: str, now: datetime | None = None) -> datetime:
    """`2026-11-22`, `2026-11-22T05:00:00Z`, `2026-11-22T05:00+01:00`, `now`, or an age such as `6h` (ago)."""
    now = now or datetime.now(UTC)
    if text.strip().lower() == "now":
        return now
    match = _RELATIVE.match(text)
    if match:
        return now - timedelta(**{_UNITS[match.group(2)]: float(match.group(1))})
    try:
        parsed = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"not a time: {text!r} (use ISO-8601 like 2026-11-22T05:00:00Z, or an age like 6h)"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def lower_bound(moment: datetime) -> str:
    """A key that sorts before every `processed_at` in that second, whatever its fraction/zone suffix."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def upper_bound(moment: datetime) -> str:
    """A key sorting after every `processed_at` in that second (`~` sorts after digits, `.`, `+`, `Z`)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S") + "~"
