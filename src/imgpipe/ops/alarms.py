"""The stack's CloudWatch alarms: state and reason. Any state other than OK is something to act on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from imgpipe.stack import Stack


@dataclass(frozen=True)
class AlarmState:
    name: str
    state: str  # OK | ALARM | INSUFFICIENT_DATA | MISSING (named by the outputs but not found)
    reason: str
    updated: str
    metric: str


def list_alarms(stack: Stack) -> list[AlarmState]:
    """The alarms named by the `alarm_names` output; else those whose name starts with the function's."""
    cloudwatch = stack.client("cloudwatch")
    names = list(stack.outputs.alarm_names)
    found: dict[str, AlarmState] = {}
    if names:
        for start in range(0, len(names), 100):
            page = cloudwatch.describe_alarms(
                AlarmNames=names[start : start + 100], AlarmTypes=["MetricAlarm"]
            )
            found |= {a.name: a for a in map(_state, page.get("MetricAlarms", []))}
    else:
        prefix = stack.outputs.require("function_name")
        for page in cloudwatch.get_paginator("describe_alarms").paginate(AlarmNamePrefix=prefix):
            found |= {a.name: a for a in map(_state, page.get("MetricAlarms", []))}
    missing = [AlarmState(n, "MISSING", "named in the outputs but not in CloudWatch", "", "") for n in names]
    return sorted([*found.values(), *(m for m in missing if m.name not in found)], key=lambda a: a.name)


def _state(alarm: dict[str, Any]) -> AlarmState:
    updated = alarm.get("StateUpdatedTimestamp")
    metric = alarm.get("MetricName") or ",".join(m.get("Id", "") for m in alarm.get("Metrics", []))
    return AlarmState(
        name=alarm["AlarmName"],
        state=alarm.get("StateValue", "INSUFFICIENT_DATA"),
        reason=" ".join(str(alarm.get("StateReason", "")).split()),
        updated=updated.strftime("%Y-%m-%dT%H:%M:%SZ") if updated else "",
        metric=f"{alarm.get('Namespace', '')}/{metric}".strip("/"),
    )


def all_ok(alarms: list[AlarmState]) -> bool:
    return all(alarm.state == "OK" for alarm in alarms)
