"""Static checks of Terraform modules against the AWS provider schema — the part of `terraform validate` that
can run without provider downloads.

For every module directory: each `resource` and `data` block against the provider schema (unknown arguments
and blocks, missing required arguments and blocks, nested blocks recursively, `dynamic` blocks through their
`content`); each module call against the called module's variables (unknown inputs, missing required inputs);
each reference (`var.X`, `local.X`, `module.X.Y`, `aws_foo.name.attr`, `data.aws_foo.name.attr`) resolves.

Findings are `file:line: message` strings, with `file` relative to the tree's root.

    python tests/terraform/validator.py [ROOT]      # prints findings, exit 1 if any
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from hcl import Attribute, Block, Module, Reference, load_module
from schema import BlockSchema, Schema, load_schema

META_ARGUMENTS = frozenset({"count", "for_each", "provider", "depends_on"})
META_BLOCKS = frozenset({"lifecycle", "provisioner", "connection"})
LIFECYCLE_ARGUMENTS = frozenset(
    {"create_before_destroy", "prevent_destroy", "ignore_changes", "replace_triggered_by"}
)
MODULE_META_ARGUMENTS = frozenset({"source", "version", "count", "for_each", "providers", "depends_on"})
# roots that are not declarations of the module
BUILTIN_ROOTS = frozenset({"path", "terraform", "count", "each", "self"})
# blocks whose bodies hold no references to check
SKIPPED_TOP_BLOCKS = frozenset({"terraform", "moved", "import", "removed"})


@dataclass(frozen=True, order=True)
class Finding:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class Validator:
    def __init__(self, root: Path, schema: Schema | None = None) -> None:
        self.root = root.resolve()
        self.schema = schema or load_schema()
        self._modules: dict[Path, Module] = {}
        self.findings: list[Finding] = []

    # --- helpers ---

    def module(self, directory: Path) -> Module:
        key = directory.resolve()
        if key not in self._modules:
            self._modules[key] = load_module(directory)
        return self._modules[key]

    def _rel(self, file: Path) -> str:
        # keep the path as written (a symlinked file is reported where it is used), relative to the root
        absolute = Path(file).absolute()
        try:
            return absolute.relative_to(self.root).as_posix()
        except ValueError:
            return absolute.as_posix()

    def add(self, file: Path, line: int, message: str) -> None:
        self.findings.append(Finding(self._rel(file), line, message))

    # --- resources and data sources ---

    def check_resource(self, kind: str, block: Block) -> None:
        type_name, name = block.labels
        address = f"{type_name}.{name}" if kind == "resource" else f"data.{type_name}.{name}"
        resource = self.schema.lookup(kind, type_name)
        if resource is None:
            what = "resource type" if kind == "resource" else "data source"
            self.add(block.file, block.line, f'{address}: unknown {what} "{type_name}"')
            return
        self.check_body(address, block, resource.body, top=True)

    def check_body(self, address: str, body: Block, schema: BlockSchema, *, top: bool) -> None:
        for attr_name, attribute in body.attributes.items():
            if top and attr_name in META_ARGUMENTS:
                continue
            if attr_name in schema.arguments:
                continue
            if attr_name in schema.blocks:
                self.add(body.file, attribute.line, f'{address}: "{attr_name}" is a block, not an argument')
            else:
                self.add(body.file, attribute.line, f'{address}: unknown argument "{attr_name}"')

        present: dict[str, int] = {}
        for child in body.blocks:
            if top and child.type == "lifecycle":
                self.check_lifecycle(address, child)
                continue
            if top and child.type in META_BLOCKS:
                continue
            if child.type == "dynamic":
                self.check_dynamic(address, child, schema, present)
                continue
            nested = schema.blocks.get(child.type)
            if nested is None:
                if child.type in schema.arguments:
                    self.add(child.file, child.line, f'{address}: "{child.type}" is an argument, not a block')
                else:
                    self.add(child.file, child.line, f'{address}: unknown block "{child.type}"')
                continue
            present[child.type] = present.get(child.type, 0) + 1
            if not nested.is_list and present[child.type] == 2:
                self.add(child.file, child.line, f'{address}: at most one "{child.type}" block is allowed')
            self.check_body(f"{address}.{child.type}", child, self.schema.block(nested), top=False)

        for arg_name, required in schema.arguments.items():
            if required and arg_name not in body.attributes:
                self.add(body.file, body.line, f'{address}: missing required argument "{arg_name}"')
        for block_name, nested in schema.blocks.items():
            if nested.required and block_name not in present:
                self.add(body.file, body.line, f'{address}: missing required block "{block_name}"')

    def check_lifecycle(self, address: str, lifecycle: Block) -> None:
        for attr_name, attribute in lifecycle.attributes.items():
            if attr_name not in LIFECYCLE_ARGUMENTS:
                self.add(
                    lifecycle.file, attribute.line, f'{address}.lifecycle: unknown argument "{attr_name}"'
                )
        for child in lifecycle.blocks:
            if child.type not in ("precondition", "postcondition"):
                self.add(child.file, child.line, f'{address}.lifecycle: unknown block "{child.type}"')

    def check_dynamic(
        self, address: str, dynamic: Block, schema: BlockSchema, present: dict[str, int]
    ) -> None:
        if len(dynamic.labels) != 1:
            self.add(dynamic.file, dynamic.line, f"{address}: a dynamic block needs exactly one label")
            return
        block_name = dynamic.labels[0]
        nested = schema.blocks.get(block_name)
        if nested is None:
            self.add(dynamic.file, dynamic.line, f'{address}: unknown block "{block_name}" (dynamic)')
            return
        present[block_name] = present.get(block_name, 0) + 1
        for attr_name, attribute in dynamic.attributes.items():
            if attr_name not in ("for_each", "iterator", "labels"):
                self.add(
                    dynamic.file, attribute.line, f'{address}: unknown argument "{attr_name}" in dynamic'
                )
        if "for_each" not in dynamic.attributes:
            self.add(dynamic.file, dynamic.line, f'{address}: dynamic "{block_name}" without for_each')
        content = dynamic.children("content")
        if len(content) != 1:
            self.add(dynamic.file, dynamic.line, f'{address}: dynamic "{block_name}" needs one content block')
            return
        self.check_body(f"{address}.{block_name}", content[0], self.schema.block(nested), top=False)

    # --- module calls ---

    def called_module(self, caller: Module, call: Block) -> Module | None:
        source = call.value("source")
        if not isinstance(source, str) or not source.startswith(("./", "../")):
            return None  # registry or remote modules are not checked here
        target = caller.path / source
        if not target.is_dir() or not any(target.glob("*.tf")):
            return None
        return self.module(target)

    def check_module_call(self, caller: Module, name: str, call: Block) -> None:
        source = call.value("source")
        if not isinstance(source, str):
            self.add(call.file, call.line, f"module.{name}: missing source")
            return
        called = self.called_module(caller, call)
        if called is None:
            if source.startswith(("./", "../")):
                self.add(
                    call.file, call.attributes["source"].line, f'module.{name}: source "{source}" not found'
                )
            return
        for input_name, attribute in call.attributes.items():
            if input_name in MODULE_META_ARGUMENTS:
                continue
            if input_name not in called.variables:
                self.add(call.file, attribute.line, f'module.{name}: unknown input "{input_name}"')
        for var_name, variable in called.variables.items():
            if "default" not in variable.attributes and var_name not in call.attributes:
                self.add(call.file, call.line, f'module.{name}: missing required input "{var_name}"')

    # --- references ---

    def check_references(self, module: Module) -> None:
        for block in module.blocks:
            if block.type in SKIPPED_TOP_BLOCKS:
                continue
            self._refs_in(module, block, bound=frozenset(), top=True)

    def _refs_in(self, module: Module, block: Block, bound: frozenset[str], *, top: bool) -> None:
        for attr_name, attribute in block.attributes.items():
            if top and block.type == "variable" and attr_name == "type":
                continue
            if block.type == "lifecycle" and attr_name == "ignore_changes":
                continue
            if block.type == "module" and top and attr_name == "providers":
                continue
            self._check_attribute(module, attribute, bound)
        for child in block.blocks:
            inner = bound
            if child.type == "dynamic" and child.labels:
                iterator = child.value("iterator") or child.labels[0]
                inner = bound | {str(iterator)}
            self._refs_in(module, child, inner, top=False)

    def _check_attribute(self, module: Module, attribute: Attribute, bound: frozenset[str]) -> None:
        for ref in attribute.references:
            if ref.root in bound or ref.root in BUILTIN_ROOTS:
                continue
            message = self.resolve(module, ref)
            if message:
                self.add(attribute.file, ref.line, message)

    def resolve(self, module: Module, ref: Reference) -> str | None:
        parts = ref.parts
        root = parts[0]
        if root == "var":
            if len(parts) < 2 or parts[1] not in module.variables:
                return f"undefined variable {'.'.join(parts[:2])}"
            return None
        if root == "local":
            if len(parts) < 2 or parts[1] not in module.locals:
                return f"undefined local {'.'.join(parts[:2])}"
            return None
        if root == "module":
            if len(parts) < 2 or parts[1] not in module.module_calls:
                return f"undeclared module {'.'.join(parts[:2])}"
            called = self.called_module(module, module.module_calls[parts[1]])
            if called is not None and len(parts) > 2 and parts[2] not in called.outputs:
                return f'module.{parts[1]} has no output "{parts[2]}"'
            return None
        if root == "data":
            if len(parts) < 3 or (parts[1], parts[2]) not in module.data:
                return f"undeclared data source {'.'.join(parts[:3])}"
            return self._attribute("data", parts[1], parts[2], parts[3:])
        if (
            self.schema.lookup("resource", root) is not None
            or any(t == root for t, _ in module.resources)
            or "_" in root
        ):
            if len(parts) < 2 or (root, parts[1]) not in module.resources:
                return f"reference to undeclared resource {'.'.join(parts[:2])}"
            return self._attribute("resource", root, parts[1], parts[2:])
        return f'unknown reference "{ref}"'

    def _attribute(self, kind: str, type_name: str, name: str, rest: tuple[str, ...]) -> str | None:
        if not rest:
            return None
        resource = self.schema.lookup(kind, type_name)
        if resource is None or rest[0] in resource.attributes:
            return None
        prefix = "data." if kind == "data" else ""
        return f'{prefix}{type_name}.{name} has no attribute "{rest[0]}"'

    # --- driver ---

    def check_module(self, directory: Path) -> None:
        module = self.module(directory)
        for block in module.resources.values():
            self.check_resource("resource", block)
        for block in module.data.values():
            self.check_resource("data", block)
        for name, call in module.module_calls.items():
            self.check_module_call(module, name, call)
        self.check_references(module)


def module_dirs(root: Path) -> list[Path]:
    """`modules/*` and `environments/*` that hold `.tf` files."""
    dirs: list[Path] = []
    for parent in ("modules", "environments"):
        base = root / parent
        if base.is_dir():
            dirs.extend(d for d in sorted(base.iterdir()) if d.is_dir() and any(d.glob("*.tf")))
    return dirs


def validate(
    root: Path | str, directories: list[Path] | None = None, schema: Schema | None = None
) -> list[str]:
    """Findings for every module directory of the tree at `root` (or only `directories`)."""
    root_path = Path(root)
    validator = Validator(root_path, schema)
    for directory in directories if directories is not None else module_dirs(root_path):
        validator.check_module(directory)
    return [str(f) for f in sorted(set(validator.findings))]


def main(argv: list[str]) -> int:
    root = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parents[2]
    findings = validate(root)
    for finding in findings:
        print(finding)
    print(f"{len(findings)} finding(s) in {len(module_dirs(root))} module(s)", file=sys.stderr)
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
