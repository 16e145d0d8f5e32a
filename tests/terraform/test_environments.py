"""The environment root checks a value once, in the module that uses it: the root's own suite
(environments/dev/tests) and its cases in rejections.json cover the rules only the root has, and a bad value
for any other root variable still fails a plan of the root, with the module's message.

Staging and prod are dev's root (test_validate.py), so dev's plan speaks for them.
"""

from __future__ import annotations

import json
from pathlib import Path

import hcl2
from hcl2 import SerializationOptions

from imgpipe.terraform import TerraformError
from tests.terraform.test_rejections import suite
from tests.terraform.tree import REPO, Initialized

# Values that only the root sees or combines: no module takes them as they are.
ROOT_RULES = {"aws_region", "environment", "name_prefix", "alarm_emails"}

# Root variable, a value its modules refuse, and each module with (the start of) its message.
MODULE_RULES = {
    "log_retention_days": (2, {"lambda_images": "log_retention_days must be one of CloudWatch Logs' values"}),
    "function_memory_mb": (127, {"lambda_images": "memory_mb must be a whole number from 128 to 10240."}),
    "function_timeout_seconds": (
        0,
        {
            "lambda_images": "timeout_seconds must be a whole number from 1 to 900.",
            "sqs": "function_timeout_seconds must be a whole number from 1 to 900.",
        },
    ),
    "function_architecture": (
        "amd64",
        {
            "lambda_images": "architecture must be x86_64 or arm64.",
            "lambda_layer": "compatible_architectures must hold x86_64 and/or arm64.",
        },
    ),
    "reserved_concurrency": (
        0,
        {"lambda_images": "reserved_concurrency must be -1 (no reservation) or a whole"},
    ),
    "maximum_concurrency": (
        1,
        {"lambda_images": "maximum_concurrency must be a whole number from 2 to 1000."},
    ),
    "batch_size": (0, {"lambda_images": "batch_size must be a whole number from 1 to 10000."}),
    "batching_window_seconds": (
        -1,
        {"lambda_images": "batching_window_seconds must be a whole number from 0 to 300."},
    ),
    "max_receive_count": (
        0,
        {
            "lambda_images": "max_receive_count must be a whole number from 1 to 1000.",
            "sqs": "max_receive_count must be a whole number from 1 to 1000.",
        },
    ),
    "queue_retention_seconds": (
        59,
        {"sqs": "message_retention_seconds must be a whole number from 60 to 1209600"},
    ),
    "dlq_retention_seconds": (
        59,
        {"sqs": "dlq_message_retention_seconds must be a whole number from 60 to 1209600"},
    ),
    "variants": (" ", {"lambda_images": "variants must be a preset name or a JSON list of variant specs."}),
    "max_input_pixels": (0, {"lambda_images": "max_input_pixels must be a whole number of at least 1."}),
    "max_input_bytes": (0, {"lambda_images": "max_input_bytes must be a whole number of at least 1."}),
    "cache_control": ("", {"lambda_images": "cache_control must be non-empty printable ASCII"}),
    "metadata_ttl_days": (-1, {"lambda_images": "metadata_ttl_days must be a whole number from 0 to 36500."}),
    # Files that exist (filebase64sha256 reads them) but are no zip.
    "function_zip_path": ("main.tf", {"lambda_images": "zip_path must name a .zip file."}),
    "layer_zip_path": ("variables.tf", {"lambda_layer": "zip_path must name a .zip file."}),
}


def test_the_root_restates_no_module_rule() -> None:
    with (REPO / "environments" / "dev" / "variables.tf").open(encoding="utf-8") as handle:
        document = hcl2.load(handle, serialization_options=SerializationOptions(strip_string_quotes=True))
    variables = {name: body for entry in document["variable"] for name, body in entry.items()}
    assert {name for name, body in variables.items() if "validation" in body} == ROOT_RULES
    assert set(variables) == ROOT_RULES | set(MODULE_RULES) | {
        "force_destroy",
        "deletion_protection",
        "point_in_time_recovery",
        "processing_enabled",
    }  # the booleans need no rule; a new variable with a value to check belongs in one of the two maps


def test_the_root_suite_passes(initialized: Initialized) -> None:
    output = initialized["environments/dev"].run("test", "-no-color")
    assert "0 failed" in output.splitlines()[-1], output[-2000:]


def test_a_value_a_module_refuses_fails_the_root_plan(initialized: Initialized, tmp_path: Path) -> None:
    # GIVEN a copy of the dev root whose suite plans it with one bad value for every variable a module checks
    terraform = initialized.scratch("environments/dev", tmp_path)
    root = terraform.workdir
    values = {name: value for name, (value, _) in MODULE_RULES.items()}
    for own in (root / "tests").glob("*.tftest.hcl"):
        own.unlink()
    case = {"dir": "environments/dev", "case": "module_rules", "values": values}
    (root / "tests" / "module_rules.tftest.hcl").write_text(suite(case), encoding="utf-8")
    # WHEN its suite runs
    lines: list[str] = []
    try:
        terraform.run("test", "-json", on_line=lines.append)
    except TerraformError:
        pass
    else:
        raise AssertionError("the plan with values the modules refuse passed")
    # THEN each module refuses its value with its own message (the diagnostic names the module's rule)
    details = [
        " ".join(str(event["diagnostic"].get("detail", "")).split())
        for event in (json.loads(line) for line in lines if line.startswith("{"))
        if event.get("type") == "diagnostic" and event["diagnostic"].get("severity") == "error"
    ]
    missing = {
        (name, module): message
        for name, (_, refusals) in MODULE_RULES.items()
        for module, message in refusals.items()
        if not any(d.startswith(message) and f"modules/{module}/variables.tf" in d for d in details)
    }
    assert missing == {}, "\n".join(details)
