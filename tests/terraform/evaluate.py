"""A small evaluator of Terraform expressions across module boundaries, for the wiring tests.

An environment root is evaluated with its `terraform.tfvars` and variable defaults; a module call's
variables come from the call's arguments (evaluated in the caller) or the module's defaults. What only
`apply` knows (resource attributes, data sources) comes back as `ResourceRef`, so a test can ask which
resource an argument ends up pointing at. Supported: literals, strings with interpolation, tuples and
objects, `var`/`local`/`module` references, arithmetic, comparison and logic, conditionals, and a few
functions (`max`, `min`, `jsonencode`, `merge`, `concat`, `tostring`, `tonumber`, `coalesce`, `lookup`);
anything else evaluates to `Unknown`, which a test reports instead of guessing.
"""

from __future__ import annotations

import json
import math
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hcl import Block, Module, load_module, load_tfvars
from hcl2.utils import process_escape_sequences
from lark import Token, Tree


@dataclass(frozen=True)
class ResourceRef:
    """`aws_sqs_queue.this.arn` inside the module at `module` (resolved path)."""

    module: Path
    type: str
    name: str
    attribute: tuple[str, ...]
    kind: str = "resource"

    def __str__(self) -> str:
        prefix = "data." if self.kind == "data" else ""
        return f"{self.module.name}:{prefix}{self.type}.{self.name}{''.join('.' + a for a in self.attribute)}"


@dataclass(frozen=True)
class Unknown:
    why: str


class EvalError(Exception):
    """The expression fails as Terraform's would (e.g. `regex` without a match); `can()` turns it to false."""


def _regex(pattern: str, text: str) -> Any:
    match = re.search(pattern, text)
    if match is None:
        raise EvalError(f"regex {pattern!r} does not match {text!r}")
    if match.groupdict():
        return match.groupdict()
    return list(match.groups()) if match.groups() else match.group(0)


def _one(items: list[Any]) -> Any:
    if len(items) > 1:
        raise EvalError("one() of more than one element")
    return items[0] if items else None


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "max": max,
    "min": min,
    "abs": abs,
    "floor": math.floor,
    "ceil": math.ceil,
    "tostring": lambda x: str(x).lower() if isinstance(x, bool) else str(x),
    "tonumber": float,
    "merge": lambda *maps: {k: v for m in maps for k, v in m.items()},
    "concat": lambda *lists: [x for lst in lists for x in lst],
    "coalesce": lambda *xs: next(x for x in xs if x not in (None, "")),
    "lookup": lambda m, k, *d: m[k] if k in m or not d else d[0],
    "jsondecode": json.loads,
    "toset": lambda xs: sorted(set(xs), key=repr),
    "tolist": list,
    "length": len,
    "contains": lambda xs, x: x in xs,
    "startswith": lambda s, p: s.startswith(p),
    "endswith": lambda s, p: s.endswith(p),
    "strcontains": lambda s, p: p in s,
    "trimspace": str.strip,
    "lower": str.lower,
    "upper": str.upper,
    "alltrue": all,
    "anytrue": any,
    "regex": _regex,
    "keys": sorted,
    "values": lambda m: [m[k] for k in sorted(m)],
    "join": lambda sep, xs: sep.join(xs),
    "split": lambda sep, s: s.split(sep),
    "one": _one,
    "distinct": lambda xs: list(dict.fromkeys(xs)),
}


_BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "%": operator.mod,
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
    "<=": operator.le,
    ">=": operator.ge,
    "&&": lambda a, b: a and b,
    "||": lambda a, b: a or b,
}


def _opaque(value: Any) -> bool:
    return isinstance(value, (ResourceRef, Unknown))


def _trees(node: Tree) -> list[Tree]:
    return [c for c in node.children if isinstance(c, Tree) and c.data != "new_line_or_comment"]


def _name(node: Tree) -> str:
    return str(node.children[0])


@dataclass
class Context:
    """One module instance: the root (with tfvars) or a module called from a parent context."""

    module: Module
    parent: Context | None = None
    call: Block | None = None
    tfvars: dict[str, Any] = field(default_factory=dict)
    scope: dict[str, Any] = field(default_factory=dict)  # for-expression variables

    @classmethod
    def root(cls, directory: Path, tfvars: Path | None = None) -> Context:
        values = load_tfvars(tfvars or directory / "terraform.tfvars")
        return cls(module=load_module(directory), tfvars=values)

    def child(self, call_name: str) -> Context:
        call = self.module.module_calls[call_name]
        source = call.value("source")
        return Context(module=load_module(self.module.path / source), parent=self, call=call)

    # --- names ---

    def var(self, name: str) -> Any:
        if self.call is not None and self.parent is not None and name in self.call.attributes:
            return self.parent.eval(self.call.attributes[name].tree)
        if self.call is None and name in self.tfvars:
            return self.tfvars[name]
        variable = self.module.variables[name]
        if "default" in variable.attributes:
            return self.eval(variable.attributes["default"].tree)
        return Unknown(f"var.{name} has no value")

    def local(self, name: str) -> Any:
        return self.eval(self.module.locals[name].tree)

    def output(self, call_name: str, output_name: str) -> Any:
        child = self.child(call_name)
        return child.eval(child.module.outputs[output_name].attributes["value"].tree)

    def attribute(self, block: Block, name: str) -> Any:
        return self.eval(block.attributes[name].tree)

    # --- expressions ---

    def eval(self, node: Tree | Token) -> Any:
        if isinstance(node, Token):
            return str(node)
        kind = node.data
        inner = _trees(node)
        if kind == "expr_term":
            return self.eval(inner[0])
        if kind == "int_lit":
            return int(str(node.children[0]))
        if kind == "float_lit":
            return float(str(node.children[0]))
        if kind == "literal_value":
            return {"true": True, "false": False, "null": None}[str(node.children[0])]
        if kind == "string":
            return self._string(node)
        if kind in ("heredoc_template", "heredoc_template_trim"):
            text = str(node.children[0])
            return text[text.index("\n") + 1 : text.rstrip().rfind("\n") + 1]
        if kind == "tuple":
            return [self.eval(c) for c in inner]
        if kind == "object":
            out: dict[str, Any] = {}
            for elem in inner:
                key_node, value_node = _trees(elem)
                key_inner = _trees(key_node)[0] if _trees(key_node) else key_node
                if key_inner.data == "expr_term" and _trees(key_inner)[0].data == "identifier":
                    key: Any = _name(_trees(key_inner)[0])
                elif key_inner.data in ("identifier", "keyword"):
                    key = _name(key_inner)
                else:
                    key = self.eval(key_inner)
                out[str(key)] = self.eval(value_node)
            return out
        if kind == "conditional":
            condition, yes, no = inner
            test = self.eval(condition)
            if _opaque(test):
                return Unknown(f"condition {test}")
            return self.eval(yes if test else no)
        if kind == "binary_op":
            left = self.eval(inner[0])
            term = inner[1]
            op_node, right_node = _trees(term)
            right = self.eval(right_node)
            if _opaque(left) or _opaque(right):
                return Unknown(f"{left} {_name(op_node)} {right}")
            try:
                return _BINARY[_name(op_node)](left, right)
            except (TypeError, ZeroDivisionError) as exc:
                raise EvalError(f"{left!r} {_name(op_node)} {right!r}: {exc}") from exc
        if kind == "unary_op":
            value = self.eval(inner[0])
            if _opaque(value):
                return Unknown(f"unary {value}")
            return -value if str(node.children[0]) == "-" else not value
        if kind == "function_call":
            return self._call(node)
        if kind in ("identifier", "get_attr_expr_term", "index_expr_term"):
            return self._traversal(node)
        if kind in ("for_tuple_expr", "for_object_expr"):
            return self._for(node)
        return Unknown(f"unsupported expression {kind}")

    def _string(self, node: Tree) -> Any:
        parts: list[str] = []
        for part in _trees(node):
            piece = part.children[0]
            if isinstance(piece, Tree) and piece.data == "interpolation":
                value = self.eval(_trees(piece)[0])
                if _opaque(value):
                    return value if len(_trees(node)) == 1 else Unknown(f"string with {value}")
                parts.append(str(value).lower() if isinstance(value, bool) else str(value))
            elif isinstance(piece, Tree):
                return Unknown("template directive")
            else:
                parts.append(process_escape_sequences(str(piece)).replace("$${", "${").replace("%%{", "%{"))
        return "".join(parts)

    def _call(self, node: Tree) -> Any:
        name = _name(_trees(node)[0])
        arguments = next((c for c in _trees(node) if c.data == "arguments"), None)
        arg_nodes = _trees(arguments) if arguments is not None else []
        if name in ("can", "try"):  # lazy: an error in an argument is the point
            for arg in arg_nodes:
                try:
                    value = self.eval(arg)
                except EvalError:
                    if name == "can":
                        return False
                    continue
                if _opaque(value):
                    return Unknown(f"{name}() of {value}")
                return True if name == "can" else value
            raise EvalError("try(): no argument succeeded")
        args = [self.eval(a) for a in arg_nodes]
        if name == "length" and len(args) == 1 and isinstance(args[0], (list, dict)):
            return len(args[0])  # known even when elements are not
        if name == "jsonencode":
            return args[0]  # keep the structure: tests look inside redrive policies
        if any(_opaque(a) or (isinstance(a, list) and any(_opaque(x) for x in a)) for a in args):
            return Unknown(f"{name}() of unknown")
        if name not in FUNCTIONS:
            return Unknown(f"function {name}()")
        try:
            return FUNCTIONS[name](*args)
        except EvalError:
            raise
        except (TypeError, ValueError, KeyError, IndexError, StopIteration) as exc:
            raise EvalError(f"{name}(): {exc}") from exc

    def _for(self, node: Tree) -> Any:
        intro, *rest = _trees(node)
        names = [_name(c) for c in _trees(intro) if c.data == "identifier"]
        collection = self.eval(_trees(intro)[-1])
        if _opaque(collection):
            return Unknown("for over unknown")
        cond = next((c for c in rest if c.data == "for_cond"), None)
        bodies = [c for c in rest if c.data != "for_cond"]
        items = collection.items() if isinstance(collection, dict) else enumerate(collection)
        out_list: list[Any] = []
        out_map: dict[str, Any] = {}
        for key, value in items:
            scope = dict(self.scope)
            if len(names) == 2:
                scope[names[0]], scope[names[1]] = key, value
            else:
                scope[names[0]] = value
            ctx = Context(self.module, self.parent, self.call, self.tfvars, scope)
            if cond is not None and not ctx.eval(_trees(cond)[0]):
                continue
            if node.data == "for_tuple_expr":
                out_list.append(ctx.eval(bodies[0]))
            else:
                out_map[str(ctx.eval(bodies[0]))] = ctx.eval(bodies[1])
        return out_list if node.data == "for_tuple_expr" else out_map

    def _traversal(self, node: Tree) -> Any:
        # flatten the chain: root identifier, then steps ("attr", name) / ("index", value)
        steps: list[tuple[str, Any]] = []
        while node.data in ("get_attr_expr_term", "index_expr_term", "expr_term"):
            children = _trees(node)
            if node.data == "expr_term":
                node = children[0]
                continue
            suffix = children[1]
            if suffix.data == "get_attr":
                steps.insert(0, ("attr", _name(_trees(suffix)[0])))
            elif suffix.data == "short_index":
                steps.insert(0, ("index", int(str(suffix.children[-1]))))
            else:
                steps.insert(0, ("index", self.eval(_trees(suffix)[0])))
            node = children[0]
        if node.data != "identifier":
            return self._apply(self.eval(node), steps)
        root = _name(node)
        if root in self.scope:
            return self._apply(self.scope[root], steps)
        names = [s[1] for s in steps if s[0] == "attr"]
        if root == "var":
            return self._apply(self.var(steps[0][1]), steps[1:])
        if root == "local":
            return self._apply(self.local(steps[0][1]), steps[1:])
        if root == "module":
            return self._apply(self.output(steps[0][1], steps[1][1]), steps[2:])
        if root == "path" and names and names[0] in ("module", "root", "cwd"):
            top = self
            while top.parent is not None:
                top = top.parent
            return str(
                {"module": self.module.path, "root": top.module.path, "cwd": top.module.path}[names[0]]
            )
        if root == "data":
            return ResourceRef(self.module.path.resolve(), names[0], names[1], tuple(names[2:]), "data")
        if names and (root, names[0]) in self.module.resources:
            return ResourceRef(self.module.path.resolve(), root, names[0], tuple(names[1:]))
        return Unknown(f"reference {root}")

    @staticmethod
    def _apply(value: Any, steps: list[tuple[str, Any]]) -> Any:
        for kind, key in steps:
            if isinstance(value, ResourceRef):
                if kind == "attr":
                    attribute = (*value.attribute, key)
                    value = ResourceRef(value.module, value.type, value.name, attribute, value.kind)
                continue
            if _opaque(value):
                return value
            try:
                value = value[key]
            except (KeyError, IndexError, TypeError):
                return Unknown(f"no {key!r} in {value!r}")
        return value
