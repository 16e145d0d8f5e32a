"""Render the IAM policy that `modules/lambda_images` grants the function, from the Terraform source itself.

`render_function_policy(module_dir, variables, references)`:
1. loads every `*.tf` of the module (tests/terraform/hcl.py, python-hcl2);
2. finds the policy attached to the function's role: an `aws_iam_role_policy` (or an `aws_iam_policy` attached
   with `aws_iam_role_policy_attachment`) whose `policy` is `data.aws_iam_policy_document.<name>.json`;
3. evaluates that data source's `statement` (and `dynamic "statement"`) blocks to IAM JSON, resolving
   `var.*` from `variables` (else the variable's default), `local.*` from the module's locals, and
   resource or data-source attributes (`aws_cloudwatch_log_group.this.arn`,
   `data.aws_partition.current.partition`, ...) from `references`.

The evaluator covers what policy documents use: literals, string templates, lists, objects, references,
indexes, conditionals, for-expressions, comparisons and a set of pure functions. Anything else raises
`Unevaluable` naming the file and line: a policy the test cannot read must fail the test, never pass it.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from lark import Token, Tree

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "terraform"))
import hcl

POLICY_DOCUMENT = "aws_iam_policy_document"


class Unevaluable(Exception):
    """The Terraform uses something this evaluator does not understand: fail loudly."""


@dataclass
class Scope:
    variables: Mapping[str, Any]
    locals: Mapping[str, hcl.Attribute]
    references: Mapping[str, Mapping[str, Any]]
    bound: dict[str, Any] = field(default_factory=dict)
    where: str = ""

    def child(self, **bound: Any) -> Scope:
        return Scope(self.variables, self.locals, self.references, {**self.bound, **bound}, self.where)


# ------------------------------------------------------------------------------------------------ functions


def _flatten(value: Any) -> list[Any]:
    out: list[Any] = []
    for item in value:
        out.extend(_flatten(item) if isinstance(item, list) else [item])
    return out


def _distinct(value: list[Any]) -> list[Any]:
    out: list[Any] = []
    for item in value:
        if item not in out:
            out.append(item)
    return out


def _format(spec: str, *args: Any) -> str:
    # Terraform's format verbs that policies use: %s, %d, %v and %%.
    out, i, index = [], 0, 0
    while i < len(spec):
        if spec[i] == "%" and i + 1 < len(spec):
            verb = spec[i + 1]
            if verb == "%":
                out.append("%")
            elif verb in "sdv":
                out.append(_to_string(args[index]))
                index += 1
            else:
                raise Unevaluable(f"format verb %{verb}")
            i += 2
        else:
            out.append(spec[i])
            i += 1
    return "".join(out)


def _trimsuffix(text: str, suffix: str) -> str:
    return text[: -len(suffix)] if suffix and text.endswith(suffix) else text


def _trimprefix(text: str, prefix: str) -> str:
    return text[len(prefix) :] if prefix and text.startswith(prefix) else text


def _coalesce(*values: Any) -> Any:
    for value in values:
        if value not in (None, ""):
            return value
    raise Unevaluable("coalesce: no non-empty argument")


def _to_string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        raise Unevaluable("null in a string template")
    if isinstance(value, list | dict):
        raise Unevaluable(f"a collection in a string template: {value!r}")
    return str(value)


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "concat": lambda *lists: [item for value in lists for item in value],
    "compact": lambda value: [item for item in value if item not in (None, "")],
    "distinct": _distinct,
    "flatten": _flatten,
    "tolist": list,
    "toset": lambda value: _distinct(sorted(value, key=str)),
    "sort": sorted,
    "join": lambda sep, value: sep.join(_to_string(item) for item in value),
    "split": lambda sep, text: text.split(sep),
    "format": _format,
    "trimsuffix": _trimsuffix,
    "trimprefix": _trimprefix,
    "trim": lambda text, chars: text.strip(chars),
    "replace": lambda text, old, new: text.replace(old, new),
    "lower": lambda text: text.lower(),
    "upper": lambda text: text.upper(),
    "length": len,
    "coalesce": _coalesce,
    "tostring": _to_string,
    "keys": sorted,
    "values": lambda value: [value[key] for key in sorted(value)],
    "contains": lambda value, item: item in value,
}


# ------------------------------------------------------------------------------------------------ evaluation


def _trees(node: Tree) -> list[Tree]:
    return [c for c in node.children if isinstance(c, Tree) and c.data != "new_line_or_comment"]


def _name(node: Tree) -> str:
    if node.data != "identifier":
        raise Unevaluable(f"expected an identifier, got {node.data}")
    return str(node.children[0])


def evaluate(node: Tree | Token, scope: Scope) -> Any:
    """Evaluate one python-hcl2 expression tree."""
    if isinstance(node, Token):
        raise Unevaluable(f"{scope.where}: bare token {node!r}")
    kind = node.data
    if kind == "expr_term":
        inner = _trees(node)
        if len(inner) != 1:
            raise Unevaluable(f"{scope.where}: expression term with {len(inner)} parts")
        return evaluate(inner[0], scope)
    if kind == "int_lit":
        return int(str(node.children[0]))
    if kind == "float_lit":
        return float(str(node.children[0]))
    if kind == "literal_value":
        text = str(node.children[0])
        literals = {"true": True, "false": False, "null": None}
        if text not in literals:
            raise Unevaluable(f"{scope.where}: literal {text}")
        return literals[text]
    if kind == "string":
        return _string(node, scope)
    if kind == "tuple":
        return [evaluate(child, scope) for child in _trees(node)]
    if kind == "object":
        return _object(node, scope)
    if kind in ("identifier", "get_attr_expr_term", "index_expr_term"):
        return _traversal(node, scope)
    if kind == "function_call":
        return _call(node, scope)
    if kind == "conditional":
        condition, when_true, when_false = _trees(node)
        chosen = evaluate(condition, scope)
        if not isinstance(chosen, bool):
            raise Unevaluable(f"{scope.where}: condition is not a bool: {chosen!r}")
        return evaluate(when_true if chosen else when_false, scope)
    if kind == "binary_op":
        return _binary(node, scope)
    if kind == "unary_op":
        operator = str(node.children[0])
        value = evaluate(_trees(node)[0], scope)
        if operator == "!":
            return not value
        if operator == "-":
            return -value
        raise Unevaluable(f"{scope.where}: unary {operator}")
    if kind == "for_tuple_expr":
        return _for_tuple(node, scope)
    if kind in ("heredoc_template", "heredoc_template_trim"):
        raise Unevaluable(f"{scope.where}: heredoc (house style: no heredoc JSON policies)")
    raise Unevaluable(f"{scope.where}: expression kind {kind}")


def _string(node: Tree, scope: Scope) -> str:
    parts: list[str] = []
    for part in node.children:
        if isinstance(part, Token):  # the quotes
            continue
        if part.data != "string_part":
            raise Unevaluable(f"{scope.where}: string element {part.data}")
        for piece in part.children:
            if isinstance(piece, Token):
                parts.append(str(piece).replace("$${", "${").replace("%%{", "%{"))
            elif piece.data == "interpolation":
                parts.append(_to_string(evaluate(_trees(piece)[0], scope)))
            else:
                raise Unevaluable(f"{scope.where}: template directive {piece.data}")
    return "".join(parts)


def _object(node: Tree, scope: Scope) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for element in _trees(node):
        key_node, value_node = _trees(element)
        key_expr = _trees(key_node)[0]
        inner = _trees(key_expr)[0] if key_expr.data == "expr_term" else key_expr
        key = _name(inner) if inner.data == "identifier" else _to_string(evaluate(key_expr, scope))
        out[key] = evaluate(value_node, scope)
    return out


def _chain(node: Tree) -> tuple[Tree, list[Tree]]:
    """Split a traversal into its root identifier and its suffixes (get_attr / braces_index)."""
    suffixes: list[Tree] = []
    while True:
        if node.data == "expr_term":
            inner = _trees(node)
            if len(inner) != 1:
                raise Unevaluable("parenthesised traversal")
            node = inner[0]
            continue
        if node.data in ("get_attr_expr_term", "index_expr_term"):
            children = _trees(node)
            suffixes = children[1:] + suffixes
            node = children[0]
            continue
        return node, suffixes


def _traversal(node: Tree, scope: Scope) -> Any:
    root, suffixes = _chain(node)
    if root.data != "identifier":
        value = evaluate(root, scope)
        return _apply(value, suffixes, scope, str(root.data))
    name = _name(root)
    steps: list[str | Tree] = []
    for suffix in suffixes:
        if suffix.data == "get_attr":
            steps.append(_name(_trees(suffix)[0]))
        elif suffix.data in ("braces_index", "short_index"):
            steps.append(suffix)
        else:
            raise Unevaluable(f"{scope.where}: traversal step {suffix.data} (splats are not supported)")
    if name in scope.bound:
        return _walk(scope.bound[name], steps, scope, name)
    if name == "var":
        variable = _attr(steps.pop(0), scope, "var")
        if variable not in scope.variables:
            raise Unevaluable(f"{scope.where}: var.{variable} has no value and no default")
        return _walk(scope.variables[variable], steps, scope, f"var.{variable}")
    if name == "local":
        local = _attr(steps.pop(0), scope, "local")
        if local not in scope.locals:
            raise Unevaluable(f"{scope.where}: local.{local} is not defined")
        attribute = scope.locals[local]
        inner = Scope(
            scope.variables, scope.locals, scope.references, {}, f"{attribute.file.name}:{attribute.line}"
        )
        return _walk(evaluate(attribute.tree, inner), steps, scope, f"local.{local}")
    if name in ("each", "count", "self", "path", "terraform"):
        raise Unevaluable(f"{scope.where}: {name}.* is not supported in the function policy")
    # A resource or data source attribute: TYPE.NAME.ATTR or data.TYPE.NAME.ATTR.
    width = 3 if name == "data" else 2
    labels = [name] + [_attr(step, scope, name) for step in steps[: width - 1]]
    address = ".".join(labels)
    rest = steps[width - 1 :]
    if address not in scope.references:
        raise Unevaluable(f"{scope.where}: {address} is not among the test stack's references")
    return _walk(scope.references[address], rest, scope, address)


def _attr(step: str | Tree, scope: Scope, after: str) -> str:
    if not isinstance(step, str):
        raise Unevaluable(f"{scope.where}: index right after {after}")
    return step


def _walk(value: Any, steps: list[str | Tree], scope: Scope, label: str) -> Any:
    for step in steps:
        if isinstance(step, str):
            if not isinstance(value, Mapping) or step not in value:
                raise Unevaluable(f"{scope.where}: {label} has no attribute {step}")
            value = value[step]
            label = f"{label}.{step}"
        else:
            index = (
                evaluate(_trees(step)[0], scope)
                if step.data == "braces_index"
                else int(str(step.children[-1]))
            )
            try:
                value = value[index]
            except (KeyError, IndexError, TypeError) as exc:
                raise Unevaluable(f"{scope.where}: {label}[{index!r}]") from exc
            label = f"{label}[{index!r}]"
    return value


def _apply(value: Any, suffixes: list[Tree], scope: Scope, label: str) -> Any:
    steps: list[str | Tree] = [_name(_trees(s)[0]) if s.data == "get_attr" else s for s in suffixes]
    return _walk(value, steps, scope, label)


def _call(node: Tree, scope: Scope) -> Any:
    children = _trees(node)
    name = _name(children[0])
    if name not in FUNCTIONS:
        raise Unevaluable(f"{scope.where}: function {name}()")
    args: list[Any] = []
    for child in children[1:]:
        if child.data == "arguments":
            args.extend(evaluate(arg, scope) for arg in _trees(child))
    if any(
        isinstance(token, Token) and str(token) == "..." for child in children for token in child.children
    ):
        raise Unevaluable(f"{scope.where}: argument expansion in {name}()")
    try:
        return FUNCTIONS[name](*args)
    except Unevaluable:
        raise
    except Exception as exc:
        raise Unevaluable(f"{scope.where}: {name}({args!r}): {exc}") from exc


_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b,
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
}


def _binary(node: Tree, scope: Scope) -> Any:
    left_node, term = _trees(node)
    operator_node, right_node = _trees(term)
    operator = str(operator_node.children[0])
    left = evaluate(left_node, scope)
    if operator == "&&":
        return bool(left) and bool(evaluate(right_node, scope))
    if operator == "||":
        return bool(left) or bool(evaluate(right_node, scope))
    if operator not in _OPERATORS:
        raise Unevaluable(f"{scope.where}: operator {operator}")
    return _OPERATORS[operator](left, evaluate(right_node, scope))


def _for_tuple(node: Tree, scope: Scope) -> list[Any]:
    parts = _trees(node)
    intro, body = parts[0], parts[1]
    condition = parts[2] if len(parts) > 2 else None
    names = [_name(child) for child in _trees(intro) if child.data == "identifier"]
    collection = evaluate(next(child for child in _trees(intro) if child.data != "identifier"), scope)
    items = list(collection.items()) if isinstance(collection, Mapping) else list(enumerate(collection))
    out = []
    for key, value in items:
        bound = {names[0]: value} if len(names) == 1 else {names[0]: key, names[1]: value}
        inner = scope.child(**bound)
        if condition is not None and not evaluate(_trees(condition)[0], inner):
            continue
        out.append(evaluate(body, inner))
    return out


# ------------------------------------------------------------------------------------------------ the policy


@dataclass(frozen=True)
class RenderedPolicy:
    document: dict[str, Any]  # {"Version": ..., "Statement": [...]}
    data_source: str  # data.aws_iam_policy_document.<name>
    attached_by: str  # the resource that attaches it to the role
    source: str  # file:line of the data source

    @property
    def statements(self) -> list[dict[str, Any]]:
        statements: list[dict[str, Any]] = self.document["Statement"]
        return statements

    def without(self, sid: str) -> dict[str, Any]:
        kept = [s for s in self.statements if s["Sid"] != sid]
        assert len(kept) == len(self.statements) - 1, sid
        return {**self.document, "Statement": kept}

    def to_json(self, document: dict[str, Any] | None = None) -> str:
        return json.dumps(document or self.document, indent=2)


def _policy_reference(block: hcl.Block, attribute: str) -> str | None:
    """`data.aws_iam_policy_document.NAME` when the attribute is exactly its `.json`."""
    found = block.attributes.get(attribute)
    if found is None:
        return None
    refs = [r for r in found.references if r.root == "data" and len(r.parts) >= 4]
    documents = {r.parts[2] for r in refs if r.parts[1] == POLICY_DOCUMENT and r.parts[3] == "json"}
    if len(documents) != 1 or len(found.references) != 1:
        raise Unevaluable(
            f"{block.file.name}:{found.line}: {attribute} must be exactly data.{POLICY_DOCUMENT}.<name>.json"
        )
    return documents.pop()


def find_function_policy(module: hcl.Module) -> tuple[hcl.Block, str]:
    """The policy document data source attached to the function's role, and what attaches it."""
    attached: list[tuple[str, str]] = []
    for block in module.resources_of("aws_iam_role_policy"):
        name = _policy_reference(block, "policy")
        if name:
            attached.append((name, f"aws_iam_role_policy.{block.labels[1]}"))
    attached_arns = {
        str(reference)
        for attachment in module.resources_of("aws_iam_role_policy_attachment")
        if "policy_arn" in attachment.attributes
        for reference in attachment.attributes["policy_arn"].references
    }
    for block in module.resources_of("aws_iam_policy"):
        name = _policy_reference(block, "policy")
        address = f"aws_iam_policy.{block.labels[1]}"
        if name and f"{address}.arn" in attached_arns:
            attached.append((name, address))
    if len(attached) != 1:
        raise Unevaluable(f"expected exactly one policy document attached to the role, found {attached}")
    name, by = attached[0]
    data = module.data.get((POLICY_DOCUMENT, name))
    if data is None:
        raise Unevaluable(f"data.{POLICY_DOCUMENT}.{name} is not defined in {module.path}")
    return data, by


def output_document(module: hcl.Module, output: str = "policy_json") -> str | None:
    """The policy document an output exposes (`policy_json`), if the module has that output."""
    block = module.outputs.get(output)
    return _policy_reference(block, "value") if block else None


_UNSUPPORTED_DOCUMENT_ARGUMENTS = ("source_policy_documents", "override_policy_documents", "source_json",
                                   "override_json", "policy_id")  # fmt: skip
_UNSUPPORTED_STATEMENT_ARGUMENTS = ("not_actions", "not_resources", "principals", "not_principals")


def _statement(block: hcl.Block, scope: Scope) -> dict[str, Any]:
    where = f"{block.file.name}:{block.line}"
    scope = Scope(scope.variables, scope.locals, scope.references, scope.bound, where)
    for name in _UNSUPPORTED_STATEMENT_ARGUMENTS:
        if name in block.attributes or block.children(name):
            raise Unevaluable(f"{where}: statement uses {name} (not expected in a function's role policy)")
    known = {"sid", "effect", "actions", "resources"}
    unknown = set(block.attributes) - known
    if unknown:
        raise Unevaluable(f"{where}: statement arguments {sorted(unknown)}")

    def value(name: str) -> Any:
        attribute = block.attributes.get(name)
        return None if attribute is None else evaluate(attribute.tree, scope)

    statement: dict[str, Any] = {}
    sid = value("sid")
    if sid is not None:
        statement["Sid"] = sid
    statement["Effect"] = value("effect") or "Allow"
    actions = value("actions")
    if not actions:
        raise Unevaluable(f"{where}: statement without actions")
    statement["Action"] = sorted(_distinct(_flatten(actions)))
    resources = value("resources")
    if not resources:
        raise Unevaluable(f"{where}: statement without resources")
    statement["Resource"] = sorted(_distinct(_flatten(resources)))
    conditions: dict[str, dict[str, list[str]]] = {}
    for condition in block.children("condition"):
        test = evaluate(condition.attributes["test"].tree, scope)
        variable = evaluate(condition.attributes["variable"].tree, scope)
        values = _flatten(evaluate(condition.attributes["values"].tree, scope))
        conditions.setdefault(test, {})[variable] = [_to_string(v) for v in values]
    if conditions:
        statement["Condition"] = conditions
    for nested in block.blocks:
        if nested.type != "condition":
            raise Unevaluable(f"{where}: nested block {nested.type}")
    return statement


def render_document(data: hcl.Block, scope: Scope) -> dict[str, Any]:
    for name in _UNSUPPORTED_DOCUMENT_ARGUMENTS:
        if name in data.attributes:
            raise Unevaluable(f"{data.file.name}:{data.line}: {name} is not supported")
    statements: list[dict[str, Any]] = []
    for block in data.blocks:
        if block.type == "statement":
            statements.append(_statement(block, scope))
        elif block.type == "dynamic" and block.labels == ("statement",):
            where = f"{block.file.name}:{block.line}"
            iterator = block.value("iterator") or "statement"
            for_each = evaluate(
                block.attributes["for_each"].tree, Scope(**{**scope.__dict__, "where": where})
            )
            items = for_each.items() if isinstance(for_each, Mapping) else [(v, v) for v in for_each]
            content = block.child("content")
            if content is None:
                raise Unevaluable(f"{where}: dynamic block without content")
            for key, item in items:
                statements.append(_statement(content, scope.child(**{iterator: {"key": key, "value": item}})))
        else:
            raise Unevaluable(f"{data.file.name}:{block.line}: block {block.type} in the policy document")
    version = data.attributes.get("version")
    return {
        "Version": evaluate(version.tree, scope) if version else "2012-10-17",
        "Statement": statements,
    }


@cache
def _load(directory: Path, stamp: tuple[tuple[str, int], ...]) -> hcl.Module:
    return hcl.load_module(directory)


def load_module(module_dir: Path | str) -> hcl.Module:
    """The parsed module, cached until one of its files changes (parsing takes ~0.5 s)."""
    directory = Path(module_dir).resolve()
    stamp = tuple(sorted((p.name, p.stat().st_mtime_ns) for p in directory.glob("*.tf")))
    return _load(directory, stamp)


def render_function_policy(
    module_dir: Path | str,
    variables: Mapping[str, Any],
    references: Mapping[str, Mapping[str, Any]],
) -> RenderedPolicy:
    module = load_module(module_dir)
    data, attached_by = find_function_policy(module)
    values: dict[str, Any] = {}
    for name, block in module.variables.items():
        if name in variables:
            values[name] = variables[name]
        elif "default" in block.attributes:
            values[name] = evaluate(block.attributes["default"].tree, Scope({}, {}, {}, where=f"var.{name}"))
    unknown = set(variables) - set(module.variables)
    if unknown:
        raise Unevaluable(f"the test passes variables the module does not declare: {sorted(unknown)}")
    scope = Scope(values, module.locals, references, where=f"{data.file.name}:{data.line}")
    document = render_document(data, scope)
    return RenderedPolicy(
        document=document,
        data_source=f"data.{POLICY_DOCUMENT}.{data.labels[1]}",
        attached_by=attached_by,
        source=f"{data.file.name}:{data.line}",
    )
