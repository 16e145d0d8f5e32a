"""Just enough of Terraform's expression language to read the alarm definitions: references (`var.x`,
`local.a.b`, `aws_x.this.attr`), arithmetic, `floor`/`ceil`/`min`/`max`, and `${...}` string templates.

HCL expressions of this kind are also valid Python expressions, so they are parsed with `ast` and evaluated
over a whitelist of node types: nothing is ever `eval`-ed.
"""

from __future__ import annotations

import ast
import math
import operator
import re
from collections.abc import Callable, Mapping
from typing import Any

_TEMPLATE = re.compile(r"\$\{([^{}]*)\}")
_FUNCTIONS: dict[str, Callable[..., Any]] = {"floor": math.floor, "ceil": math.ceil, "min": min, "max": max}
_OPERATORS: dict[type[ast.AST], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}


class UnsupportedExpression(ValueError):
    """An expression outside the subset: the caller decides what to do without it."""


def evaluate(value: Any, scope: Mapping[str, Any]) -> Any:
    """Resolve a python-hcl2 value: strings may be `${expr}` (typed result) or templates (string result)."""
    if isinstance(value, dict):
        return {k: evaluate(v, scope) for k, v in value.items()}
    if isinstance(value, list):
        return [evaluate(v, scope) for v in value]
    if not isinstance(value, str) or "${" not in value:
        return value
    whole = _TEMPLATE.fullmatch(value)
    if whole:
        return _expression(whole.group(1), scope)
    return _TEMPLATE.sub(lambda m: _text(_expression(m.group(1), scope)), value)


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _expression(text: str, scope: Mapping[str, Any]) -> Any:
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError:
        raise UnsupportedExpression(text) from None
    return _node(tree.body, scope, text)


def _node(node: ast.AST, scope: Mapping[str, Any], text: str) -> Any:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float | str):
        return node.value
    if isinstance(node, ast.Name | ast.Attribute):
        return _reference(node, scope, text)
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        return _OPERATORS[type(node.op)](_node(node.left, scope, text), _node(node.right, scope, text))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _FUNCTIONS:
        return _FUNCTIONS[node.func.id](*(_node(arg, scope, text) for arg in node.args))
    if isinstance(node, ast.List):
        return [_node(item, scope, text) for item in node.elts]
    raise UnsupportedExpression(text)


def _reference(node: ast.AST, scope: Mapping[str, Any], text: str) -> Any:
    path: list[str] = []
    while isinstance(node, ast.Attribute):
        path.insert(0, node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        raise UnsupportedExpression(text)
    value: Any = scope
    for part in [node.id, *path]:
        if not isinstance(value, Mapping) or part not in value:
            raise UnsupportedExpression(f"{text} (unknown {'.'.join([node.id, *path])})")
        value = value[part]
    return evaluate(value, scope) if isinstance(value, str) else value
