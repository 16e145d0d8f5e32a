"""The wiring of the stack, read from the HCL of every environment root and the modules it calls.

Each environment is evaluated with its own `terraform.tfvars` and the variable defaults (see evaluate.py):
references are followed through module inputs and outputs down to the resource they end at.
"""

from __future__ import annotations

import filecmp
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from evaluate import Context, EvalError, ResourceRef, Unknown
from hcl import Block, load_module, load_tfvars
from tftree import ENVIRONMENTS, MODULES, REPO, copy_tree, repo_has_terraform

pytestmark = pytest.mark.skipif(not repo_has_terraform(), reason="modules/ and environments/ not written yet")

KEY_ATTRIBUTES = {"arn", "key_id", "id"}


# --- helpers ---


def contexts(ctx: Context) -> Iterator[Context]:
    """The root and every module instance under it (local sources only)."""
    yield ctx
    for name, call in ctx.module.module_calls.items():
        source = call.value("source")
        if isinstance(source, str) and source.startswith(("./", "../")):
            yield from contexts(ctx.child(name))


def resources(ctx: Context, type_name: str) -> list[tuple[Context, Block]]:
    return [(c, b) for c in contexts(ctx) for b in c.module.resources_of(type_name)]


def ref_of(ctx: Context, block: Block) -> tuple[Path, str, str]:
    return (ctx.module.path.resolve(), block.labels[0], block.labels[1])


def target(value: Any) -> tuple[Path, str, str] | None:
    return (value.module, value.type, value.name) if isinstance(value, ResourceRef) else None


def concrete(value: Any, what: str) -> Any:
    assert not isinstance(value, (Unknown, ResourceRef)), f"{what}: cannot evaluate statically ({value})"
    return value


def one(items: list[tuple[Context, Block]], what: str) -> tuple[Context, Block]:
    assert len(items) == 1, f"expected exactly one {what}, found {[ref_of(c, b)[1:] for c, b in items]}"
    return items[0]


class Stack:
    """One environment, evaluated, with its key resources located."""

    def __init__(self, env: str, repo: Path = REPO) -> None:
        self.env = env
        self.repo = repo
        self.root = Context.root(repo / "environments" / env)
        queues = resources(self.root, "aws_sqs_queue")
        mains = [(c, b) for c, b in queues if "redrive_policy" in b.attributes]
        separate = resources(self.root, "aws_sqs_queue_redrive_policy")
        if separate:
            ctx, block = one(separate, "aws_sqs_queue_redrive_policy")
            url = target(ctx.attribute(block, "queue_url"))
            mains = [(c, b) for c, b in queues if ref_of(c, b) == url]
            self.redrive = concrete(ctx.attribute(block, "redrive_policy"), "redrive_policy")
        self.main_ctx, self.main = one(mains, "main queue (an aws_sqs_queue with a redrive policy)")
        if not separate:
            self.redrive = concrete(self.main_ctx.attribute(self.main, "redrive_policy"), "redrive_policy")
        dlq_target = target(self.redrive.get("deadLetterTargetArn"))
        dlqs = [(c, b) for c, b in queues if ref_of(c, b) == dlq_target]
        self.dlq_ctx, self.dlq = one(dlqs, "dead-letter queue (the redrive target)")
        self.key_ctx, self.key = one(resources(self.root, "aws_kms_key"), "aws_kms_key")
        self.fn_ctx, self.function = one(resources(self.root, "aws_lambda_function"), "aws_lambda_function")

    def is_main_queue(self, value: Any) -> bool:
        return target(value) == ref_of(self.main_ctx, self.main)

    def is_cmk(self, value: Any) -> bool:
        return (
            target(value) == ref_of(self.key_ctx, self.key)
            and isinstance(value, ResourceRef)
            and value.attribute[:1] in {(a,) for a in KEY_ATTRIBUTES}
        )


@pytest.fixture(scope="module", params=ENVIRONMENTS)
def stack(request: pytest.FixtureRequest) -> Stack:
    return Stack(request.param)


# --- data flow ---


def test_s3_notification_targets_main_queue_for_uploads(stack: Stack) -> None:
    ctx, notification = one(resources(stack.root, "aws_s3_bucket_notification"), "aws_s3_bucket_notification")
    queues = notification.children("queue")
    assert len(queues) == 1, "one queue notification"
    queue = queues[0]
    assert stack.is_main_queue(ctx.attribute(queue, "queue_arn")), ctx.attribute(queue, "queue_arn")
    assert ctx.attribute(queue, "filter_prefix") == "uploads/"
    assert ctx.attribute(queue, "events") == ["s3:ObjectCreated:*"]
    # and the notification is on the pipeline's bucket
    bucket_ctx, bucket = one(resources(stack.root, "aws_s3_bucket"), "aws_s3_bucket")
    assert target(ctx.attribute(notification, "bucket")) == ref_of(bucket_ctx, bucket)


def test_event_source_mapping_consumes_main_queue_with_partial_batch_responses(stack: Stack) -> None:
    ctx, mapping = one(resources(stack.root, "aws_lambda_event_source_mapping"), "event source mapping")
    assert stack.is_main_queue(ctx.attribute(mapping, "event_source_arn"))
    assert ctx.attribute(mapping, "function_response_types") == ["ReportBatchItemFailures"]
    assert target(ctx.attribute(mapping, "function_name")) == ref_of(stack.fn_ctx, stack.function)
    scaling = mapping.child("scaling_config")
    assert scaling is not None, "scaling_config.maximum_concurrency caps SQS-driven concurrency"
    assert 2 <= concrete(ctx.attribute(scaling, "maximum_concurrency"), "maximum_concurrency") <= 1000


def test_dlq_is_the_redrive_target(stack: Stack) -> None:
    assert ref_of(stack.dlq_ctx, stack.dlq) != ref_of(stack.main_ctx, stack.main)
    assert stack.redrive["deadLetterTargetArn"].attribute == ("arn",)
    max_receive = concrete(stack.redrive["maxReceiveCount"], "maxReceiveCount")
    assert int(max_receive) >= 1


def test_every_alarm_reaches_the_sns_topic(stack: Stack) -> None:
    topics = {ref_of(c, b) for c, b in resources(stack.root, "aws_sns_topic")}
    alarms = resources(stack.root, "aws_cloudwatch_metric_alarm")
    assert len(alarms) >= 5, "errors, throttles, duration, DLQ depth, oldest message age"
    for ctx, alarm in alarms:
        for name in ("alarm_actions", "ok_actions"):
            actions = ctx.attribute(alarm, name) if name in alarm.attributes else []
            assert isinstance(actions, list), f"{alarm.labels}: {name} = {actions}"
            reached = {target(a) for a in actions} & topics
            assert reached, f"{'.'.join(alarm.labels)}: {name} {actions} does not reach an aws_sns_topic"


def test_every_store_is_encrypted_with_the_cmk(stack: Stack) -> None:
    # bucket: SSE-KMS with the CMK and a bucket key
    ctx, sse = one(
        resources(stack.root, "aws_s3_bucket_server_side_encryption_configuration"),
        "bucket SSE configuration",
    )
    rule = sse.child("rule")
    assert rule is not None
    default = rule.child("apply_server_side_encryption_by_default")
    assert default is not None
    assert ctx.attribute(default, "sse_algorithm") == "aws:kms"
    assert stack.is_cmk(ctx.attribute(default, "kms_master_key_id"))
    assert ctx.attribute(rule, "bucket_key_enabled") is True
    # both queues
    for qctx, queue in ((stack.main_ctx, stack.main), (stack.dlq_ctx, stack.dlq)):
        where = ".".join(queue.labels)
        assert stack.is_cmk(qctx.attribute(queue, "kms_master_key_id")), (
            f"{where}.kms_master_key_id is not the CMK"
        )
    # the table
    tctx, table = one(resources(stack.root, "aws_dynamodb_table"), "aws_dynamodb_table")
    sse_block = table.child("server_side_encryption")
    assert sse_block is not None
    assert tctx.attribute(sse_block, "enabled") is True
    assert stack.is_cmk(tctx.attribute(sse_block, "kms_key_arn"))
    # every log group and SNS topic
    for type_name, argument in (
        ("aws_cloudwatch_log_group", "kms_key_id"),
        ("aws_sns_topic", "kms_master_key_id"),
    ):
        found = resources(stack.root, type_name)
        assert found, type_name
        for rctx, block in found:
            assert argument in block.attributes, f"{'.'.join(block.labels)} has no {argument}"
            assert stack.is_cmk(rctx.attribute(block, argument)), f"{'.'.join(block.labels)}.{argument}"


def test_function_environment_is_the_set_the_function_reads(stack: Stack) -> None:
    from image_processor.config import ENVIRONMENT_VARIABLES  # noqa: PLC0415 - the contract, not a copy

    environment = stack.function.child("environment")
    assert environment is not None
    variables = stack.fn_ctx.attribute(environment, "variables")
    assert isinstance(variables, dict), variables
    assert set(variables) == set(ENVIRONMENT_VARIABLES)


def test_visibility_timeout_is_at_least_six_function_timeouts(stack: Stack) -> None:
    visibility = concrete(
        stack.main_ctx.attribute(stack.main, "visibility_timeout_seconds"), "visibility_timeout_seconds"
    )
    timeout = concrete(stack.fn_ctx.attribute(stack.function, "timeout"), "function timeout")
    assert visibility >= 6 * timeout, f"{stack.env}: visibility {visibility} < 6 x {timeout}"


def test_dlq_retention_exceeds_main_retention(stack: Stack) -> None:
    main = concrete(stack.main_ctx.attribute(stack.main, "message_retention_seconds"), "main retention")
    dlq = concrete(stack.dlq_ctx.attribute(stack.dlq, "message_retention_seconds"), "DLQ retention")
    assert dlq > main, f"{stack.env}: DLQ retention {dlq} <= main retention {main}"


def conditions(stack: Stack) -> Iterator[tuple[str, Context, Block]]:
    """Every variable `validation` and resource `precondition` of the stack, with where it lives."""
    for ctx in contexts(stack.root):
        where = ctx.module.path.resolve().relative_to(stack.repo.resolve()).as_posix()
        for name, variable in ctx.module.variables.items():
            for validation in variable.children("validation"):
                yield f"{where} var.{name}", ctx, validation
        for (type_name, name), resource in ctx.module.resources.items():
            lifecycle = resource.child("lifecycle")
            for precondition in lifecycle.children("precondition") if lifecycle else []:
                yield f"{where} {type_name}.{name}", ctx, precondition


def test_validations_and_preconditions_hold_for_the_environment_values(stack: Stack) -> None:
    """What `terraform plan` would check first: every variable validation and every precondition that can be
    decided from tfvars and defaults holds (those that depend on resource attributes are counted, not run)."""
    failed: list[str] = []
    decided = 0
    for where, ctx, block in conditions(stack):
        try:
            value = ctx.attribute(block, "condition")
        except EvalError as exc:
            failed.append(f"{where}: condition fails to evaluate: {exc}")
            continue
        if isinstance(value, (Unknown, ResourceRef)):
            continue
        decided += 1
        if value is not True:
            try:
                message = ctx.attribute(block, "error_message")
            except EvalError:
                message = block.value("error_message")
            failed.append(f"{where}: {message}")
    assert not failed, f"{stack.env}:\n" + "\n".join(failed)
    assert decided >= 20, f"{stack.env}: only {decided} conditions could be evaluated"


def test_environments_differ_where_the_issue_says() -> None:
    values = {env: Context.root(REPO / "environments" / env) for env in ENVIRONMENTS}
    dev, prod = values["dev"], values["prod"]
    assert dev.var("force_destroy") is True and prod.var("force_destroy") is False
    assert prod.var("deletion_protection") is True and prod.var("point_in_time_recovery") is True
    assert prod.var("log_retention_days") > dev.var("log_retention_days")
    assert prod.var("queue_retention_seconds") >= dev.var("queue_retention_seconds")
    assert prod.var("maximum_concurrency") > dev.var("maximum_concurrency")
    assert prod.var("alarm_emails"), "prod alarms must reach someone"
    for env, ctx in values.items():
        assert ctx.var("environment") == env


# --- the shape of the repository ---


def test_environment_roots_differ_only_in_tfvars() -> None:
    roots = [REPO / "environments" / env for env in ENVIRONMENTS]

    def files(root: Path) -> set[str]:
        return {
            p.name
            for p in root.iterdir()
            if p.is_file() and p.name not in ("terraform.tfvars", ".terraform.lock.hcl")
        }

    names = files(roots[0])
    for root in roots[1:]:
        assert files(root) == names, f"{root.name} has other files than {roots[0].name}"
    for name in sorted(names):
        first = roots[0] / name
        for root in roots[1:]:
            other = root / name
            same = first.resolve() == other.resolve() or filecmp.cmp(first, other, shallow=False)
            assert same, f"environments/{roots[0].name}/{name} and environments/{root.name}/{name} differ"
    for root in roots:
        assert (root / "terraform.tfvars").is_file(), root


# DESIGN.md "Stack outputs" and docs/architecture.md: what the CLI and the local stack read
ROOT_OUTPUTS = {
    "bucket_name",
    "queue_url",
    "dlq_url",
    "metadata_table_name",
    "alarm_topic_arn",
    "function_name",
    "queue_arn",
    "dlq_arn",
    "kms_key_arn",
    "alarm_names",
    "aws_region",
}
# docs/architecture.md "Environment root variables": the local stack reads these names with python-hcl2
ROOT_VARIABLES = {
    "aws_region",
    "environment",
    "name_prefix",
    "alarm_emails",
    "force_destroy",
    "deletion_protection",
    "point_in_time_recovery",
    "log_retention_days",
    "function_memory_mb",
    "function_timeout_seconds",
    "function_architecture",
    "reserved_concurrency",
    "maximum_concurrency",
    "batch_size",
    "batching_window_seconds",
    "max_receive_count",
    "queue_retention_seconds",
    "dlq_retention_seconds",
    "variants",
    "max_input_pixels",
    "max_input_bytes",
    "cache_control",
    "metadata_ttl_days",
    "function_zip_path",
    "layer_zip_path",
}


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_root_variables_and_outputs_are_the_documented_ones(env: str) -> None:
    root = load_module(REPO / "environments" / env)
    assert set(root.variables) == ROOT_VARIABLES
    assert set(root.outputs) >= ROOT_OUTPUTS, sorted(ROOT_OUTPUTS - set(root.outputs))
    tfvars = load_tfvars(REPO / "environments" / env / "terraform.tfvars")
    assert set(tfvars) <= ROOT_VARIABLES, sorted(set(tfvars) - ROOT_VARIABLES)
    assert tfvars.get("environment") == env


@pytest.mark.parametrize(
    "directory", [f"modules/{m}" for m in MODULES] + [f"environments/{e}" for e in ENVIRONMENTS]
)
def test_every_variable_has_type_and_description_and_every_output_a_description(directory: str) -> None:
    module = load_module(REPO / directory)
    untyped = [n for n, v in module.variables.items() if not {"type", "description"} <= set(v.attributes)]
    undocumented = [n for n, o in module.outputs.items() if "description" not in o.attributes]
    assert not untyped, f"{directory}: variables without type or description: {untyped}"
    assert not undocumented, f"{directory}: outputs without description: {undocumented}"


def _readme_names(text: str, section: str) -> set[str]:
    """Names listed under the `Inputs` / `Outputs` heading (and its sub-headings): the first column of a
    table (`name`, [name](#input_name) or plain), or the first `code` of a bullet item."""
    names: set[str] = set()
    level = 0  # heading level of the section we are in, 0 outside
    for line in text.splitlines():
        heading = re.match(r"(#+)\s+(.*)", line)
        if heading:
            depth = len(heading.group(1))
            if re.search(rf"\b{section}\b", heading.group(2), re.IGNORECASE):
                level = depth
            elif level and depth <= level:
                level = 0
            continue
        if not level:
            continue
        stripped = line.strip()
        if stripped.startswith("|"):
            cell = stripped.strip("|").split("|")[0].strip()
            if not cell or set(cell) <= set("-: ") or cell.lower() in ("name", "input", "output", "variable"):
                continue
        elif stripped.startswith(("- ", "* ")):
            cell = stripped[2:]
            if "`" not in cell:
                continue
        else:
            continue
        match = (
            re.search(r"`([A-Za-z0-9_]+)`", cell)
            or re.search(r"\[([A-Za-z0-9_\\]+)\]", cell)
            or re.search(r"([A-Za-z0-9_]+)", cell)
        )
        if match:
            names.add(match.group(1).replace("\\", ""))
    return names


def check_readme(path: Path) -> None:
    module = path.name
    readme = path / "README.md"
    assert readme.is_file(), f"modules/{module}/README.md"
    text = readme.read_text()
    loaded = load_module(path)
    assert _readme_names(text, "Inputs") == set(loaded.variables), f"modules/{module}/README.md inputs"
    assert _readme_names(text, "Outputs") == set(loaded.outputs), f"modules/{module}/README.md outputs"


@pytest.mark.parametrize("module", MODULES)
def test_module_readme_lists_its_inputs_and_outputs(module: str) -> None:
    check_readme(REPO / "modules" / module)


# --- the checks catch broken copies ---


def replace_line(file: Path, number: int, text: str) -> None:
    lines = file.read_text().splitlines(keepends=True)
    indent = lines[number - 1][: len(lines[number - 1]) - len(lines[number - 1].lstrip())]
    lines[number - 1] = indent + text + "\n"
    file.write_text("".join(lines))


def broken(tmp_path: Path) -> Path:
    return copy_tree(REPO, tmp_path / "tree")


def test_catches_prefix_other_than_uploads(tmp_path: Path) -> None:
    root = broken(tmp_path)
    for file in [root / "environments/dev/main.tf", *sorted((root / "modules/s3").glob("*.tf"))]:
        file.write_text(file.read_text().replace('"uploads/"', '"incoming/"'))
    with pytest.raises(AssertionError, match="incoming/"):
        test_s3_notification_targets_main_queue_for_uploads(Stack("dev", root))


def test_catches_alarm_without_ok_actions(tmp_path: Path) -> None:
    root = broken(tmp_path)
    stack = Stack("dev", root)
    _, alarm = resources(stack.root, "aws_cloudwatch_metric_alarm")[0]
    line = alarm.attributes["ok_actions"].line
    replace_line(alarm.file, line, "ok_actions = []")
    with pytest.raises(AssertionError, match=rf"{alarm.labels[1]}: ok_actions \[\] does not reach"):
        test_every_alarm_reaches_the_sns_topic(Stack("dev", root))


def test_catches_queue_without_the_cmk(tmp_path: Path) -> None:
    root = broken(tmp_path)
    stack = Stack("dev", root)
    replace_line(stack.dlq.file, stack.dlq.attributes["kms_master_key_id"].line, "kms_master_key_id = null")
    with pytest.raises(AssertionError, match=r"aws_sqs_queue\.dlq\.kms_master_key_id is not the CMK"):
        test_every_store_is_encrypted_with_the_cmk(Stack("dev", root))


def test_catches_short_visibility_timeout(tmp_path: Path) -> None:
    root = broken(tmp_path)
    stack = Stack("dev", root)
    line = stack.main.attributes["visibility_timeout_seconds"].line
    replace_line(stack.main.file, line, "visibility_timeout_seconds = 30")
    with pytest.raises(AssertionError, match=r"dev: visibility 30 < 6 x \d+"):
        test_visibility_timeout_is_at_least_six_function_timeouts(Stack("dev", root))


def test_catches_dlq_retention_not_longer(tmp_path: Path) -> None:
    root = broken(tmp_path)
    stack = Stack("dev", root)
    line = stack.dlq.attributes["message_retention_seconds"].line
    replace_line(stack.dlq.file, line, "message_retention_seconds = 60")
    with pytest.raises(AssertionError, match="dev: DLQ retention 60 <= main retention"):
        test_dlq_retention_exceeds_main_retention(Stack("dev", root))


def test_catches_readme_missing_an_input(tmp_path: Path) -> None:
    root = broken(tmp_path)  # READMEs included
    path = root / "modules/sqs"
    check_readme(path)
    with (path / "variables.tf").open("a") as fh:
        fh.write('\nvariable "undocumented" {\n  description = "x"\n  type        = string\n}\n')
    with pytest.raises(AssertionError, match=r"modules/sqs/README\.md inputs"):
        check_readme(path)


def test_catches_tfvars_breaking_a_precondition(tmp_path: Path) -> None:
    # GIVEN dev values whose DLQ keeps messages for less time than the main queue
    root = broken(tmp_path)
    tfvars = root / "environments/dev/terraform.tfvars"
    text, count = re.subn(
        r"(?m)^dlq_retention_seconds\s*=.*$", "dlq_retention_seconds = 60", tfvars.read_text()
    )
    tfvars.write_text(text if count else text + "\ndlq_retention_seconds = 60\n")
    # THEN the DLQ's precondition fails, with its own message
    with pytest.raises(AssertionError, match=r"modules/sqs aws_sqs_queue\.dlq: .*\(60\)"):
        test_validations_and_preconditions_hold_for_the_environment_values(Stack("dev", root))
