"""Resource names and the function's module inputs, evaluated from the environment root's Terraform.

`environments/<env>/main.tf` builds every name from `local.name` (`<name_prefix>-<environment>`) and passes
them to the modules; evaluating those same expressions keeps the local stack's names identical to the deployed
ones. One exception: the real bucket name ends in 8 random hex characters (`random_id`); locally it ends in
`local`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from imgpipe.local.hcl_eval import UnsupportedExpression, evaluate
from imgpipe.local.settings import TerraformSettings, load_hcl
from imgpipe.stack import StackError

ACCOUNT_ID = "123456789012"  # moto's default account
LOCAL_BUCKET_SUFFIX = "local"


@dataclass(frozen=True)
class ResourceNames:
    prefix: str
    region: str
    bucket: str
    queue: str
    dlq: str
    table: str
    topic: str
    function: str
    key_alias: str
    # Inputs of modules/lambda_images that are not environment variables (function environment below).
    function_inputs: dict[str, Any]

    @property
    def function_arn(self) -> str:
        return f"arn:aws:lambda:{self.region}:{ACCOUNT_ID}:function:{self.function}"

    @classmethod
    def from_settings(cls, settings: TerraformSettings) -> ResourceNames:
        main_tf = settings.environment_dir / "main.tf"
        document = load_hcl(main_tf)
        modules = {k: v for block in document.get("module", []) for k, v in block.items()}
        scope = {
            "var": settings.values,
            "local": {k: v for block in document.get("locals", []) for k, v in block.items()},
        }

        def module_input(module: str, name: str) -> Any:
            try:
                return evaluate(modules[module][name], scope)
            except (KeyError, UnsupportedExpression) as exc:
                raise StackError(f"{main_tf}: cannot evaluate module.{module}.{name} ({exc})") from None

        queue = str(module_input("sqs", "name"))
        inputs = {
            name: module_input("lambda_images", name)
            for name in (
                "function_name",
                "source_prefix",
                "destination_prefix",
                "service_name",
                "metrics_namespace",
            )
        }
        return cls(
            prefix=str(evaluate("${local.name}", scope)),
            region=settings.text("aws_region"),
            bucket=f"{module_input('s3', 'bucket_prefix')}-{LOCAL_BUCKET_SUFFIX}",
            queue=queue,
            dlq=_dlq_name(settings, queue),
            table=str(module_input("dynamodb", "name")),
            topic=str(evaluate("${local.alarm_topic_name}", scope)),
            function=str(inputs["function_name"]),
            key_alias=f"alias/{module_input('kms', 'name')}",
            function_inputs=inputs,
        )


def _dlq_name(settings: TerraformSettings, queue: str) -> str:
    """modules/sqs names its DLQ from the queue name: evaluate that queue's `name` with `var.name = queue`."""
    path = settings.root / "modules" / "sqs" / "main.tf"
    for block in load_hcl(path).get("resource", []):
        for name, body in block.get("aws_sqs_queue", {}).items():
            if name != "this":
                return str(evaluate(body["name"], {"var": {"name": queue}}))
    raise StackError(f"{path}: no dead-letter aws_sqs_queue found")
