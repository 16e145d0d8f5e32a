"""What provider 5.100 cannot vouch for: the modules against the AWS provider 6.x schema (6.25.0, from the
jsii assembly of cdktf-cdktf-provider-aws 21.22.1, see schema.py). `terraform validate` with 5.100 proves the
rest; this proves that every argument and nested block a module writes, and every attribute it reads from a
resource or data source, also exists in 6.x, and that every argument 6.x requires is set.

The modules are read with python-hcl2 (a parser, not an evaluator): only names are compared, never values.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from typing import Any

import hcl2
import pytest
from hcl2 import SerializationOptions

from tests.terraform.schema import BlockSchema, Schema, load_schema
from tests.terraform.tree import MODULES, REPO

_OPTIONS = SerializationOptions(with_comments=False, strip_string_quotes=True)
META = {"count", "for_each", "depends_on", "provider", "lifecycle", "__is_block__", "__start_line__"}
# `<type>.<name>.<attribute>` or `data.<type>.<name>.<attribute>`, `[...]` or `[*]` after the name allowed.
REFERENCE = re.compile(r"\b(data\.)?(aws_[a-z0-9_]+)\.([a-z0-9_]+)(?:\[[^\]]*\])?\.([a-z0-9_]+)")


@cache
def schema() -> Schema:
    return load_schema()


def blocks(module: str) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    """(kind, type, name, body) of every resource and data block of a module."""
    for path in sorted((REPO / "modules" / module).glob("*.tf")):
        with path.open(encoding="utf-8") as handle:
            document = hcl2.load(handle, serialization_options=_OPTIONS)
        for kind in ("resource", "data"):
            for entry in document.get(kind, []):
                for type_name, named in entry.items():
                    for name, body in named.items():
                        yield kind, type_name, name, body


def problems(body: dict[str, Any], allowed: BlockSchema, where: str) -> Iterator[str]:
    for key, value in body.items():
        if key in META:
            continue
        if key == "dynamic":
            for entry in value:
                for label, dynamic in entry.items():
                    if label not in allowed.blocks:
                        yield f"{where}: no block {label!r} in 6.x"
                        continue
                    for content in dynamic.get("content", []):
                        yield from problems(
                            content, schema().block(allowed.blocks[label]), f"{where}.{label}"
                        )
        elif key in allowed.blocks:
            for nested in value if isinstance(value, list) else [value]:
                if isinstance(nested, dict):
                    yield from problems(nested, schema().block(allowed.blocks[key]), f"{where}.{key}")
        elif key not in allowed.arguments:
            yield f"{where}: no argument {key!r} in 6.x"
    for name, required in allowed.arguments.items():
        if required and name not in body:
            yield f"{where}: 6.x requires {name!r}"
    for name, nested in allowed.blocks.items():
        if nested.required and name not in body:
            yield f"{where}: 6.x requires a {name!r} block"


def references(module: str) -> Iterator[tuple[str, str, str]]:
    """(kind, type, attribute) of every attribute a module reads from a resource or data source."""
    for path in sorted((REPO / "modules" / module).glob("*.tf")):
        for match in REFERENCE.finditer(path.read_text(encoding="utf-8")):
            yield ("data" if match[1] else "resource"), match[2], match[4]


@pytest.mark.parametrize("module", MODULES)
def test_every_block_fits_the_6x_schema(module: str) -> None:
    found = []
    for kind, type_name, name, body in blocks(module):
        entry = schema().lookup(kind, type_name)
        if entry is None:
            found.append(f"{kind} {type_name}: not in provider 6.x")
            continue
        found += problems(body, entry.body, f"{module}: {type_name}.{name}")
    assert found == []


@pytest.mark.parametrize("module", MODULES)
def test_every_attribute_read_exists_in_6x(module: str) -> None:
    missing = sorted(
        {
            f"{kind} {type_name}.{attribute}"
            for kind, type_name, attribute in references(module)
            if (entry := schema().lookup(kind, type_name)) is not None and attribute not in entry.attributes
        }
    )
    assert missing == []


def test_the_check_finds_an_unknown_argument_and_a_missing_required_one() -> None:
    # GIVEN a queue block with an argument 6.x does not have, and a notification without its required bucket
    queue = schema().lookup("resource", "aws_sqs_queue")
    notification = schema().lookup("resource", "aws_s3_bucket_notification")
    assert queue is not None and notification is not None
    # WHEN they are checked THEN both are named
    assert list(problems({"name": "q", "no_such_argument": 1}, queue.body, "q")) == [
        "q: no argument 'no_such_argument' in 6.x"
    ]
    assert list(problems({"queue": [{"queue_arn": "a", "events": []}]}, notification.body, "n")) == [
        "n: 6.x requires 'bucket'"
    ]
    region = schema().lookup("data", "aws_region")
    assert region is not None and {"id", "name", "region"} <= region.attributes
