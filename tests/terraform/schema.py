"""The AWS provider 6.x resource schema, read from the jsii assembly of `cdktf-cdktf-provider-aws`.

Only provider 5.100 is on this machine (it validates, tests and applies the modules); for 6.x,
`terraform providers schema -json` is out of reach. The cdktf
bindings carry the same schema: `_jsii/*.jsii.tgz` -> `package/.jsii` (JSON) describes, for every resource
and data source, a `<Name>Config` datatype (the arguments: required unless `optional`, nested blocks as
struct types, lists as arrays of structs) and a class whose getters are every readable attribute, computed
ones included (`arn`, `id`, ...). The snake_case name of a property is the anchor of its registry link
in the docs (`.../resources/s3_bucket#bucket_prefix`); that is the source of truth (`equalTo` is really
`equals`).

The 130 MB assembly takes seconds to load, so the compact schema is extracted once and cached as JSON under
`build/cache/` (keyed by the wheel's file name).
"""

from __future__ import annotations

import fcntl
import io
import json
import os
import re
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_WHEEL = REPO_ROOT / "build/cache/cdktf_cdktf_provider_aws-21.22.1-py3-none-any.whl"
CACHE_DIR = REPO_ROOT / "build/cache"
CACHE_FORMAT = 1

_ASSEMBLY = "@cdktf/provider-aws"
_DOC_LINK = re.compile(r"docs/(resources|data-sources)/(\w+) (\w+)\}")
_ANCHOR = re.compile(r"#([A-Za-z0-9_]+) \w+#")


@dataclass(frozen=True)
class NestedBlock:
    """A nested block type of a resource (or of another block)."""

    name: str
    struct: str  # key into Schema.structs
    required: bool
    is_list: bool  # list/set block (many allowed) vs single block (at most one)


@dataclass(frozen=True)
class BlockSchema:
    """Arguments and nested blocks allowed in one block body."""

    arguments: dict[str, bool]  # name -> required
    blocks: dict[str, NestedBlock]
    # struct-typed properties the provider declares as nested *attributes* (`x = {...}`), not blocks
    object_arguments: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ResourceSchema:
    """One resource type or data source."""

    type: str  # `aws_s3_bucket`
    kind: str  # "resource" | "data"
    config_type: str  # jsii config type, `S3BucketConfig`
    body: BlockSchema
    attributes: frozenset[str]  # every readable attribute: arguments and computed ones


@dataclass
class Schema:
    """The resource and data source schemas of one provider version."""

    provider_version: str
    resources: dict[str, ResourceSchema] = field(default_factory=dict)
    data_sources: dict[str, ResourceSchema] = field(default_factory=dict)
    structs: dict[str, BlockSchema] = field(default_factory=dict)

    def lookup(self, kind: str, type_name: str) -> ResourceSchema | None:
        table = self.resources if kind == "resource" else self.data_sources
        return table.get(type_name)

    def block(self, nested: NestedBlock) -> BlockSchema:
        return self.structs[nested.struct]


# --- extraction from the jsii assembly ---


def camel_to_snake(name: str) -> str:
    """`bucketPrefix` -> `bucket_prefix`; used only where the docs carry no anchor (computed getters)."""
    if name.endswith("Attribute") and name != "Attribute":  # cdktf renames clashing names: selfAttribute
        name = name[: -len("Attribute")]
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _struct_fqn(types: dict[str, Any], type_ref: dict[str, Any]) -> tuple[str | None, bool]:
    """(fqn of a struct inside `type_ref`, whether it is a list of them)."""
    if "fqn" in type_ref:
        fqn = type_ref["fqn"]
        return (fqn, False) if types.get(fqn, {}).get("datatype") else (None, False)
    if "collection" in type_ref:
        inner, _ = _struct_fqn(types, type_ref["collection"]["elementtype"])
        return inner, inner is not None
    if "union" in type_ref:
        for candidate in type_ref["union"]["types"]:
            inner, is_list = _struct_fqn(types, candidate)
            if inner:
                return inner, is_list
    return None, False


def _snake_name(prop: dict[str, Any]) -> str:
    docs = prop.get("docs", {})
    match = _ANCHOR.search(f"{docs.get('summary', '')} {docs.get('remarks', '')}")
    return match.group(1) if match else camel_to_snake(prop["name"])


def _short(fqn: str) -> str:
    return fqn.removeprefix(_ASSEMBLY + ".")


def _extract(assembly: dict[str, Any]) -> dict[str, Any]:
    """Compact JSON: resources/data sources and the struct table they reference."""
    types: dict[str, Any] = assembly["types"]
    structs: dict[str, Any] = {}

    def add_struct(fqn: str) -> str:
        key = _short(fqn)
        if key in structs:
            return key
        structs[key] = {}  # placeholder against cycles
        arguments: dict[str, bool] = {}
        blocks: dict[str, Any] = {}
        object_arguments: list[str] = []
        for prop in types[fqn].get("properties", []):
            name = _snake_name(prop)
            inner, is_list = _struct_fqn(types, prop["type"])
            if inner is None:
                arguments[name] = not prop.get("optional", False)
                continue
            summary = prop.get("docs", {}).get("summary", "")
            if summary.endswith(" block."):
                blocks[name] = {
                    "struct": add_struct(inner),
                    "required": not prop.get("optional", False),
                    "list": is_list,
                }
            else:  # a nested attribute of the plugin framework: `name = {...}` / `name = [{...}]`
                arguments[name] = not prop.get("optional", False)
                object_arguments.append(name)
        structs[key] = {"arguments": arguments, "blocks": blocks, "object_arguments": object_arguments}
        return key

    resources: dict[str, Any] = {}
    data_sources: dict[str, Any] = {}
    for fqn, jtype in types.items():
        if jtype.get("kind") != "class" or jtype.get("base") not in (
            "cdktf.TerraformResource",
            "cdktf.TerraformDataSource",
        ):
            continue
        match = _DOC_LINK.search(jtype.get("docs", {}).get("summary", ""))
        if not match:
            continue
        kind = "resource" if match.group(1) == "resources" else "data"
        type_name = match.group(3)
        config_fqn = f"{fqn}Config"
        if config_fqn not in types:
            continue
        config_key = add_struct(config_fqn)
        # camelCase -> snake for this resource's own arguments (anchors), then the generic rule for the rest
        known = {p["name"]: _snake_name(p) for p in types[config_fqn].get("properties", [])}
        attributes = sorted(
            {
                known.get(p["name"], camel_to_snake(p["name"]))
                for p in jtype.get("properties", [])
                if not p.get("static") and not p["name"].endswith("Input")
            }
            | set(known.values())
        )
        entry = {"config": config_key, "attributes": attributes}
        (resources if kind == "resource" else data_sources)[type_name] = entry

    provider_version = "unknown"
    for jtype in types.values():
        version_match = re.search(r"hashicorp/aws/([0-9.]+)/docs", jtype.get("docs", {}).get("summary", ""))
        if version_match:
            provider_version = version_match.group(1)
            break
    return {
        "format": CACHE_FORMAT,
        "provider_version": provider_version,
        "resources": resources,
        "data_sources": data_sources,
        "structs": structs,
    }


def _read_assembly(wheel: Path) -> dict[str, Any]:
    with zipfile.ZipFile(wheel) as zf:
        names = [n for n in zf.namelist() if n.endswith(".jsii.tgz")]
        if not names:
            raise FileNotFoundError(f"{wheel}: no _jsii/*.jsii.tgz inside")
        blob = zf.read(names[0])
    with tarfile.open(fileobj=io.BytesIO(blob), mode="r:gz") as tf:
        member = tf.extractfile("package/.jsii")
        if member is None:
            raise FileNotFoundError(f"{wheel}: no package/.jsii in {names[0]}")
        data: dict[str, Any] = json.load(member)
    return data


def wheel_path() -> Path:
    return Path(os.environ.get("IMGPIPE_PROVIDER_WHEEL") or DEFAULT_WHEEL)


def _read_cache(cache_file: Path, wheel: Path) -> dict[str, Any] | None:
    if not cache_file.exists() or (wheel.exists() and cache_file.stat().st_mtime < wheel.stat().st_mtime):
        return None
    data: dict[str, Any] = json.loads(cache_file.read_text())
    return data if data.get("format") == CACHE_FORMAT else None


def _cached_json(wheel: Path) -> dict[str, Any]:
    cache_file = CACHE_DIR / f"{wheel.stem}.schema.json"
    cached = _read_cache(cache_file, wheel)
    if cached is not None:
        return cached
    if not wheel.exists():
        raise FileNotFoundError(
            f"{wheel} is missing: run `make setup` (it downloads cdktf-cdktf-provider-aws for its schema)"
        )
    cache_file.parent.mkdir(parents=True, exist_ok=True)
    # one extraction at a time (it holds the 130 MB assembly in memory); the others then read the cache
    with (cache_file.parent / f"{cache_file.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        cached = _read_cache(cache_file, wheel)
        if cached is not None:
            return cached
        return _write_cache(cache_file, _extract(_read_assembly(wheel)))


def _write_cache(cache_file: Path, data: dict[str, Any]) -> dict[str, Any]:
    # atomic: a reader never sees half a file
    fd, tmp = tempfile.mkstemp(dir=cache_file.parent, suffix=".tmp")
    with os.fdopen(fd, "w") as fh:
        json.dump(data, fh, separators=(",", ":"))
    os.replace(tmp, cache_file)
    return data


def _to_block(raw: dict[str, Any]) -> BlockSchema:
    return BlockSchema(
        arguments=dict(raw["arguments"]),
        blocks={
            name: NestedBlock(name=name, struct=b["struct"], required=b["required"], is_list=b["list"])
            for name, b in raw["blocks"].items()
        },
        object_arguments=frozenset(raw.get("object_arguments", ())),
    )


@cache
def load_schema(wheel: Path | None = None) -> Schema:
    """The AWS provider 6.x schema, cached on disk and in memory."""
    raw = _cached_json(wheel or wheel_path())
    schema = Schema(provider_version=raw["provider_version"])
    schema.structs = {key: _to_block(value) for key, value in raw["structs"].items()}
    for kind, source, target in (
        ("resource", raw["resources"], schema.resources),
        ("data", raw["data_sources"], schema.data_sources),
    ):
        for type_name, entry in source.items():
            target[type_name] = ResourceSchema(
                type=type_name,
                kind=kind,
                config_type=entry["config"].rsplit(".", 1)[-1],
                body=schema.structs[entry["config"]],
                attributes=frozenset(entry["attributes"]),
            )
    return schema
