"""The static validator: the real modules and environments are clean, and each kind of mistake is caught.

Every mistake is a tiny edit of a copy of the tree, located through the parsed HCL so that the test keeps
working while the modules change; the finding is asserted exactly (file, line, message).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from hcl import Block, Module, load_module
from schema import load_schema
from tftree import (
    REPO,
    append,
    copy_tree,
    delete_line,
    insert_after,
    repo_has_terraform,
    write_fixture_tree,
)
from validator import module_dirs, validate

Break = Callable[[Path], tuple[Path, str]]


def rel(root: Path, file: Path) -> str:
    return file.relative_to(root).as_posix()


def modules(root: Path) -> list[Module]:
    return [load_module(d) for d in module_dirs(root) if d.parent.name == "modules"]


def roots(root: Path) -> list[Module]:
    return [load_module(d) for d in module_dirs(root) if d.parent.name == "environments"]


def address(block: Block) -> str:
    return ".".join(block.labels) if block.type == "resource" else "data." + ".".join(block.labels)


def first_resource(root: Path, want: Callable[[Block], bool]) -> tuple[Module, Block]:
    for module in modules(root):
        for block in [*module.resources.values(), *module.data.values()]:
            if want(block):
                return module, block
    raise AssertionError("no resource in the tree fits this test")


def first_reference(root: Path, prefix: str) -> tuple[Module, Path, int, str]:
    """The first `prefix<name>` in a module's main.tf, by text: (module, file, line, name)."""
    for module in modules(root):
        file = module.path / "main.tf"
        for number, line in enumerate(file.read_text().splitlines(), 1):
            if line.lstrip().startswith("#"):
                continue
            match = re.search(rf"\b{re.escape(prefix)}(\w+)", line)
            if match:
                return module, file, number, match.group(1)
    raise AssertionError(f"no {prefix} reference in the tree")


def one_line(file: Path, number: int) -> bool:
    """Whether the attribute starting on line `number` ends there too."""
    text = file.read_text().splitlines()[number - 1]
    balanced = all(text.count(a) == text.count(b) for a, b in ("()", "[]", "{}"))
    return balanced and "<<" not in text


def replace_on_line(file: Path, number: int, old: str, new: str) -> None:
    lines = file.read_text().splitlines(keepends=True)
    assert old in lines[number - 1]
    lines[number - 1] = lines[number - 1].replace(old, new, 1)
    file.write_text("".join(lines))


# --- the mistakes ---


def unknown_argument(root: Path) -> tuple[Path, str]:
    module, block = first_resource(root, lambda b: b.type == "resource")
    line = insert_after(block.file, block.line, "  bogus_argument = true")
    return module.path, f'{rel(root, block.file)}:{line}: {address(block)}: unknown argument "bogus_argument"'


def unknown_nested_block(root: Path) -> tuple[Path, str]:
    schema = load_schema()

    def has_nested(b: Block) -> bool:
        resource = schema.lookup(b.type, b.labels[0])
        return resource is not None and any(c.type in resource.body.blocks for c in b.blocks)

    module, block = first_resource(root, has_nested)
    resource = schema.lookup(block.type, block.labels[0])
    assert resource is not None
    nested = next(c for c in block.blocks if c.type in resource.body.blocks)
    line = insert_after(nested.file, nested.line, "    bogus_block {\n    }")
    return module.path, (
        f'{rel(root, nested.file)}:{line}: {address(block)}.{nested.type}: unknown block "bogus_block"'
    )


def missing_required_argument(root: Path) -> tuple[Path, str]:
    schema = load_schema()

    def single_line_required(b: Block) -> bool:
        resource = schema.lookup(b.type, b.labels[0])
        return resource is not None and any(
            resource.body.arguments.get(a) and one_line(b.file, b.attributes[a].line) for a in b.attributes
        )

    module, block = first_resource(root, single_line_required)
    resource = schema.lookup(block.type, block.labels[0])
    assert resource is not None
    name = next(
        a
        for a in block.attributes
        if resource.body.arguments.get(a) and one_line(block.file, block.attributes[a].line)
    )
    removed = delete_line(block.file, block.attributes[name].line)
    assert removed.strip().startswith(name)
    return (
        module.path,
        f'{rel(root, block.file)}:{block.line}: {address(block)}: missing required argument "{name}"',
    )


def first_module_call(root: Path) -> tuple[Module, Block]:
    for env in roots(root):
        for call in env.module_calls.values():
            return env, call
    raise AssertionError("no module call in the environments")


def unknown_module_input(root: Path) -> tuple[Path, str]:
    env, call = first_module_call(root)
    line = insert_after(call.file, call.attributes["source"].line, "  bogus_input = 1")
    return env.path, f'{rel(root, call.file)}:{line}: module.{call.labels[0]}: unknown input "bogus_input"'


def missing_required_module_input(root: Path) -> tuple[Path, str]:
    for env in roots(root):
        for call in env.module_calls.values():
            called = load_module(env.path / call.value("source"))
            for name, variable in called.variables.items():
                attribute = call.attributes.get(name)
                if "default" in variable.attributes or attribute is None:
                    continue
                if not one_line(call.file, attribute.line):
                    continue  # a multi-line value: deleting one line would break the syntax
                delete_line(call.file, attribute.line)
                where = f"{rel(root, call.file)}:{call.line}"
                return env.path, f'{where}: module.{call.labels[0]}: missing required input "{name}"'
    raise AssertionError("no required module input passed on one line")


def undefined_variable(root: Path) -> tuple[Path, str]:
    module, file, line, name = first_reference(root, "var.")
    replace_on_line(file, line, f"var.{name}", f"var.{name}_typo")
    return module.path, f"{rel(root, file)}:{line}: undefined variable var.{name}_typo"


def output_with(root: Path, expression: str) -> tuple[Path, str, int]:
    env = roots(root)[0]
    file = env.path / "outputs.tf"
    first = append(file, f'\noutput "broken" {{\n  description = "x"\n  value       = {expression}\n}}\n')
    return env.path, rel(root, file), first + 3


def undefined_local(root: Path) -> tuple[Path, str]:
    for module in modules(root):
        if module.locals:
            _, file, line, name = first_reference(root, "local.")
            replace_on_line(file, line, f"local.{name}", f"local.{name}_typo")
            return load_module(
                file.parent
            ).path, f"{rel(root, file)}:{line}: undefined local local.{name}_typo"
    path, file_rel, line = output_with(root, "local.nope")
    return path, f"{file_rel}:{line}: undefined local local.nope"


def unknown_module_output(root: Path) -> tuple[Path, str]:
    env, call = first_module_call(root)
    path, file_rel, line = output_with(root, f"module.{call.labels[0]}.bogus_output")
    assert path == env.path
    return path, f'{file_rel}:{line}: module.{call.labels[0]} has no output "bogus_output"'


def undeclared_resource(root: Path) -> tuple[Path, str]:
    module, block = first_resource(root, lambda b: b.type == "resource")
    file = module.path / "outputs.tf"
    first = append(
        file, f'\noutput "broken" {{\n  description = "x"\n  value       = {block.labels[0]}.nope.arn\n}}\n'
    )
    return (
        module.path,
        f"{rel(root, file)}:{first + 3}: reference to undeclared resource {block.labels[0]}.nope",
    )


def unknown_attribute(root: Path) -> tuple[Path, str]:
    module, block = first_resource(root, lambda b: b.type == "resource")
    file = module.path / "outputs.tf"
    first = append(
        file, f'\noutput "broken" {{\n  description = "x"\n  value       = {address(block)}.bogus_attr\n}}\n'
    )
    return module.path, f'{rel(root, file)}:{first + 3}: {address(block)} has no attribute "bogus_attr"'


MISTAKES: dict[str, Break] = {
    "unknown argument": unknown_argument,
    "unknown nested block": unknown_nested_block,
    "missing required argument": missing_required_argument,
    "unknown module input": unknown_module_input,
    "missing required module input": missing_required_module_input,
    "undefined var": undefined_variable,
    "undefined local": undefined_local,
    "unknown module output": unknown_module_output,
    "undeclared resource reference": undeclared_resource,
    "unknown attribute": unknown_attribute,
}


# --- the tests ---


def test_schema_maps_terraform_types_to_jsii_config_types() -> None:
    schema = load_schema()
    assert schema.provider_version == "6.25.0"
    bucket = schema.resources["aws_s3_bucket"]
    assert bucket.config_type == "S3BucketConfig"
    assert bucket.body.arguments["bucket_prefix"] is False
    assert {"arn", "id", "bucket_regional_domain_name"} <= bucket.attributes  # computed getters
    queue = schema.resources["aws_s3_bucket_notification"].body.blocks["queue"]
    assert queue.is_list and not queue.required
    assert schema.block(queue).arguments == {
        "events": True,
        "queue_arn": True,
        "filter_prefix": False,
        "filter_suffix": False,
        "id": False,
    }
    mapping = schema.resources["aws_lambda_event_source_mapping"].body
    assert mapping.arguments["function_name"] is True
    assert not mapping.blocks["scaling_config"].is_list
    assert schema.data_sources["aws_iam_policy_document"].config_type == "DataAwsIamPolicyDocumentConfig"
    assert "json" in schema.data_sources["aws_iam_policy_document"].attributes
    # the docs anchor, not camel->snake, names a property: `equalTo` is `equals`
    selector = schema.resources["aws_cloudtrail"].body.blocks["advanced_event_selector"]
    field = schema.block(schema.block(selector).blocks["field_selector"])
    assert "equals" in field.arguments and "equal_to" not in field.arguments
    assert schema.resources["random_id"].body.arguments == {
        "byte_length": True,
        "keepers": False,
        "prefix": False,
    }


def test_fixture_tree_is_clean(fixture_tree: Path) -> None:
    assert validate(fixture_tree) == []


@pytest.mark.parametrize("mistake", list(MISTAKES))
def test_fixture_mistake_is_caught(mistake: str, tmp_path: Path) -> None:
    # GIVEN a clean copy of the fixture tree with one mistake
    root = write_fixture_tree(tmp_path / "tree")
    directory, expected = MISTAKES[mistake](root)
    # WHEN the broken directory is validated THEN exactly that finding comes out
    assert validate(root, [directory]) == [expected]


needs_repo = pytest.mark.skipif(not repo_has_terraform(), reason="modules/ and environments/ not written yet")


def test_repo_modules_and_environments_are_clean() -> None:
    assert repo_has_terraform(), "modules/{kms,s3,sqs,dynamodb,lambda_layer,lambda_images} and environments/*"
    assert validate(REPO) == []


@needs_repo
@pytest.mark.parametrize("mistake", list(MISTAKES))
def test_repo_mistake_is_caught(mistake: str, tmp_path: Path) -> None:
    # GIVEN a copy of the real tree with one mistake
    root = copy_tree(REPO, tmp_path / "tree")
    assert validate(root) == []
    directory, expected = MISTAKES[mistake](root)
    # WHEN the broken directory is validated THEN exactly that finding comes out
    assert validate(root, [directory]) == [expected]


ESM = "modules/sqs/main.tf:59: aws_lambda_event_source_mapping.this"
STATEMENT = "data.aws_iam_policy_document.queue.statement"
OTHER_MISTAKES: dict[str, tuple[str, str, list[str]]] = {
    "block written as an argument": (
        "    maximum_concurrency = 2\n  }\n",
        "    maximum_concurrency = 2\n  }\n  scaling_config = {}\n",
        [f'{ESM}: "scaling_config" is a block, not an argument'],
    ),
    "single block twice": (
        "    maximum_concurrency = 2\n  }\n",
        "    maximum_concurrency = 2\n  }\n  scaling_config {\n  }\n",
        [f'{ESM}: at most one "scaling_config" block is allowed'],
    ),
    "dynamic block of an unknown type": (
        'dynamic "condition" {',
        'dynamic "conditions" {',
        [f'modules/sqs/main.tf:29: {STATEMENT}: unknown block "conditions" (dynamic)'],
    ),
    "argument inside dynamic content": (
        'test     = "ArnEquals"',
        'tset     = "ArnEquals"',
        [
            f'modules/sqs/main.tf:32: {STATEMENT}.condition: missing required argument "test"',
            f'modules/sqs/main.tf:33: {STATEMENT}.condition: unknown argument "tset"',
        ],
    ),
    "reference inside a heredoc": (
        "  tags = local.tags\n",
        "  tags = local.tags\n  policy = <<-EOT\n    ${var.nope}\n  EOT\n",
        ["modules/sqs/main.tf:19: undefined variable var.nope"],
    ),
    "unknown resource type": (
        'resource "random_id" "suffix"',
        'resource "random_idx" "suffix"',
        [
            'modules/sqs/main.tf:61: random_idx.suffix: unknown resource type "random_idx"',
            "modules/sqs/outputs.tf:13: reference to undeclared resource random_id.suffix",
        ],
    ),
    "lifecycle typo": (
        "  tags = local.tags\n",
        "  tags = local.tags\n  lifecycle {\n    prevent_destroys = true\n  }\n",
        ['modules/sqs/main.tf:19: aws_sqs_queue.this.lifecycle: unknown argument "prevent_destroys"'],
    ),
    "unknown reference root": (
        "  tags = local.tags\n",
        "  tags = locals.tags\n",
        ['modules/sqs/main.tf:17: unknown reference "locals.tags"'],
    ),
}


@pytest.mark.parametrize("mistake", list(OTHER_MISTAKES))
def test_fixture_other_mistakes(mistake: str, tmp_path: Path) -> None:
    # GIVEN the fixture tree with one more kind of mistake
    root = write_fixture_tree(tmp_path / "tree")
    old, new, expected = OTHER_MISTAKES[mistake]
    main = root / "modules/sqs/main.tf"
    assert old in main.read_text()
    main.write_text(main.read_text().replace(old, new, 1))
    # WHEN it is validated THEN exactly these findings come out
    assert validate(root, [root / "modules/sqs"]) == expected
