"""The report of a local run, as a rich summary table (counts, then the items that did not get processed)."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.table import Table


def summary(report: dict[str, Any]) -> Group:
    counts = Table(title="imgpipe local run", show_header=True, header_style="bold")
    for column in ("inputs", "processed", "rejected", "dead_lettered", "lost", "variants", "seconds"):
        counts.add_column(column, justify="right")
    variants = sum(len(item["variants"]) for item in report["items"])
    counts.add_row(
        *(str(report[c]) for c in ("inputs", "processed", "rejected", "dead_lettered", "lost")),
        str(variants),
        f"{report.get('elapsed_seconds', 0):.1f}",
    )
    parts: list[Any] = [counts]
    others = [item for item in report["items"] if item["status"] != "PROCESSED"]
    if others:
        details = Table(title="not processed", header_style="bold")
        for column in ("key", "status", "reason"):
            details.add_column(column, overflow="fold")
        for item in others:
            details.add_row(item["key"], item["status"], item.get("reason") or "")
        parts.append(details)
    return Group(*parts)
