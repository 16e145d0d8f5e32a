"""One table schema: the metadata table as modules/dynamodb plans it equals `table_definition`, the table the
function's tests create, and its TTL attribute is the one the function writes (`TTL_ATTRIBUTE`).

The module is read from Terraform's own plan (no AWS), not from its text, so a dynamic block or a changed
default counts as it would on apply. Either side changed alone fails here.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from image_processor.adapters.metadata import table_definition
from image_processor.records import TTL_ATTRIBUTE
from imgpipe.terraform import Terraform
from tests.terraform.tree import REPO

ADDRESS = "module.dynamodb.aws_dynamodb_table.this"
# The module reads nothing from the API: with fixed credentials and no account lookup, planning needs no AWS.
ROOT = """
provider "aws" {
  region                      = "eu-west-1"
  access_key                  = "AKIAIOSFODNN7EXAMPLE"
  secret_key                  = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
}

module "dynamodb" {
  source = "SOURCE"

  name        = "imgpipe-schema-metadata"
  kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
}
"""


def plan_table(module: Path, scratch: Path) -> dict[str, Any]:
    """The planned values of the table of `module` (modules/dynamodb or a copy), with its defaults."""
    root = scratch / "root"
    root.mkdir(parents=True)
    (root / "main.tf").write_text(ROOT.replace("SOURCE", os.path.relpath(module, root)))
    terraform = Terraform(root, data_dir=scratch / "data")
    terraform.init()
    terraform.run("plan", "-input=false", "-no-color", f"-out={scratch / 'table.tfplan'}")
    shown = json.loads(terraform.run("show", "-json", str(scratch / "table.tfplan")))
    (table,) = [
        resource
        for child in shown["planned_values"]["root_module"]["child_modules"]
        for resource in child["resources"]
        if resource["address"] == ADDRESS
    ]
    return dict(table["values"])


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return plan_table(REPO / "modules" / "dynamodb", tmp_path_factory.mktemp("dynamodb-plan"))


def _key_schema(hash_key: str, range_key: str | None) -> list[dict[str, str]]:
    keys = [{"AttributeName": hash_key, "KeyType": "HASH"}]
    return keys + ([{"AttributeName": range_key, "KeyType": "RANGE"}] if range_key else [])


def _projection(index: dict[str, Any]) -> dict[str, Any]:
    projection: dict[str, Any] = {"ProjectionType": index["projection_type"]}
    if index.get("non_key_attributes"):
        projection["NonKeyAttributes"] = sorted(index["non_key_attributes"])
    return projection


def as_create_table(values: dict[str, Any]) -> dict[str, Any]:
    """The planned table in `create_table`'s shape; attributes and indexes sorted by name (they are sets)."""
    schema: dict[str, Any] = {
        "BillingMode": values["billing_mode"],
        "AttributeDefinitions": [
            {"AttributeName": a["name"], "AttributeType": a["type"]}
            for a in sorted(values["attribute"], key=lambda a: a["name"])
        ],
        "KeySchema": _key_schema(values["hash_key"], values.get("range_key")),
        "GlobalSecondaryIndexes": [
            {
                "IndexName": i["name"],
                "KeySchema": _key_schema(i["hash_key"], i.get("range_key")),
                "Projection": _projection(i),
            }
            for i in sorted(values["global_secondary_index"], key=lambda i: i["name"])
        ],
    }
    local = [
        {
            "IndexName": i["name"],
            "KeySchema": _key_schema(values["hash_key"], i["range_key"]),
            "Projection": _projection(i),
        }
        for i in sorted(values.get("local_secondary_index") or [], key=lambda i: i["name"])
    ]
    if local:
        schema["LocalSecondaryIndexes"] = local
    return schema


def normalized(definition: dict[str, Any]) -> dict[str, Any]:
    """`table_definition` without its name, in the same order."""
    schema = {key: value for key, value in definition.items() if key != "TableName"}
    schema["AttributeDefinitions"] = sorted(schema["AttributeDefinitions"], key=lambda a: a["AttributeName"])
    for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        if key in schema:
            schema[key] = sorted(schema[key], key=lambda i: i["IndexName"])
    return schema


def test_the_module_plans_the_table_the_function_uses(planned: dict[str, Any]) -> None:
    assert as_create_table(planned) == normalized(table_definition("imgpipe-schema-metadata"))


def test_the_module_expires_records_on_the_attribute_the_function_writes(planned: dict[str, Any]) -> None:
    assert planned["ttl"] == [{"attribute_name": TTL_ATTRIBUTE, "enabled": True}]


def test_a_module_change_alone_fails(tmp_path: Path) -> None:
    # GIVEN a copy of the module whose index projects only the keys
    module = tmp_path / "dynamodb"
    shutil.copytree(REPO / "modules" / "dynamodb", module, ignore=shutil.ignore_patterns(".terraform*"))
    main = module / "main.tf"
    assert main.read_text().count('projection_type = "ALL"') == 1
    main.write_text(main.read_text().replace('projection_type = "ALL"', 'projection_type = "KEYS_ONLY"'))
    # WHEN it is planned THEN it no longer equals table_definition
    changed = plan_table(module, tmp_path / "plan")
    assert as_create_table(changed) != normalized(table_definition("imgpipe-schema-metadata"))


def test_a_definition_change_alone_fails(planned: dict[str, Any]) -> None:
    for path, value in [
        (("GlobalSecondaryIndexes", 0, "IndexName"), "by_state"),
        (("AttributeDefinitions", 0, "AttributeType"), "N"),
        (("KeySchema", 1, "AttributeName"), "processed_at"),
    ]:
        definition = table_definition("imgpipe-schema-metadata")
        *parents, last = path
        target: Any = definition
        for step in parents:
            target = target[step]
        target[last] = value
        assert as_create_table(planned) != normalized(definition), path
