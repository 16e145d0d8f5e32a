"""Printing listings as a rich table, JSON or CSV; DynamoDB numbers become plain ints and floats."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, is_dataclass
from decimal import Decimal
from typing import Any

from rich.console import Console
from rich.table import Table


def plain(value: Any) -> Any:
    """JSON-ready copy: Decimal -> int/float, dataclasses -> dicts, sets/tuples -> lists, bytes -> length."""
    if is_dataclass(value) and not isinstance(value, type):
        return plain(asdict(value))
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return value


def to_json(value: Any) -> str:
    return json.dumps(plain(value), indent=2, sort_keys=False, default=str)


def to_csv(rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: _cell(row.get(c)) for c in columns})
    return out.getvalue()


def table(rows: Iterable[Mapping[str, Any]], columns: Sequence[str], title: str | None = None) -> Table:
    grid = Table(title=title, show_lines=False, header_style="bold")
    for column in columns:
        grid.add_column(column, overflow="fold")
    for row in rows:
        grid.add_row(*(_cell(row.get(c)) for c in columns))
    return grid


def console(stderr: bool = False) -> Console:
    """A console on the current stdout/stderr (so click's test runner captures it), wide enough for keys."""
    return Console(stderr=stderr, width=None if Console().is_terminal else 160, highlight=False)


def _cell(value: Any) -> str:
    value = plain(value)
    if value is None:
        return ""
    if isinstance(value, list | dict):
        return json.dumps(value)
    return str(value)
