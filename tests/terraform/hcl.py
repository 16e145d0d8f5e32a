"""Load a Terraform module directory with python-hcl2 8.x: blocks, attributes, values, references, lines.

python-hcl2's dict output keeps quotes and `__is_block__` markers unless told otherwise, and it has no
line numbers. So this walks hcl2's rule tree itself: blocks and attributes come with their line, values
are serialized with `SerializationOptions` that strip quotes and markers (`"${...}"` marks a non-literal
expression), and references (`var.x`, `aws_s3_bucket.this.arn`, ...) come from the parse tree, not text.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import hcl2
from hcl2 import SerializationOptions
from hcl2.rules.base import AttributeRule, BlockRule, StartRule
from lark import Token, Tree

VALUE_OPTIONS = SerializationOptions(
    with_comments=False,
    explicit_blocks=False,
    strip_string_quotes=True,
    preserve_heredocs=False,
)

_TRAVERSALS = {
    "get_attr_expr_term",
    "index_expr_term",
    "full_splat_expr_term",
    "attr_splat_expr_term",
}


@dataclass(frozen=True)
class Reference:
    """A traversal such as `aws_s3_bucket.this[0].arn`: `parts` holds its names (indexes, splats dropped)."""

    parts: tuple[str, ...]
    line: int

    @property
    def root(self) -> str:
        return self.parts[0]

    def __str__(self) -> str:
        return ".".join(self.parts)


@dataclass
class Attribute:
    name: str
    line: int
    file: Path
    rule: AttributeRule = field(repr=False)

    @property
    def value(self) -> Any:
        """Plain Python value; strings holding `${...}` are expressions (quotes, block markers stripped)."""
        return self.rule.expression.serialize(VALUE_OPTIONS)

    @property
    def tree(self) -> Tree:
        """The expression's raw Lark tree (for references and evaluation)."""
        tree: Tree = self.rule.expression.to_lark()
        return tree

    @property
    def references(self) -> list[Reference]:
        return references(self.tree, self.line)

    def is_literal(self) -> bool:
        return "${" not in repr(self.value)


@dataclass
class Block:
    type: str
    labels: tuple[str, ...]
    line: int
    file: Path
    attributes: dict[str, Attribute] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)

    def children(self, block_type: str) -> list[Block]:
        return [b for b in self.blocks if b.type == block_type]

    def child(self, block_type: str) -> Block | None:
        found = self.children(block_type)
        return found[0] if found else None

    def value(self, name: str, default: Any = None) -> Any:
        attribute = self.attributes.get(name)
        return attribute.value if attribute else default

    def walk(self) -> Iterator[Block]:
        yield self
        for block in self.blocks:
            yield from block.walk()


@dataclass
class Module:
    """All `*.tf` files of one directory (one Terraform module or root)."""

    path: Path
    files: list[Path] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    resources: dict[tuple[str, str], Block] = field(default_factory=dict)
    data: dict[tuple[str, str], Block] = field(default_factory=dict)
    module_calls: dict[str, Block] = field(default_factory=dict)
    variables: dict[str, Block] = field(default_factory=dict)
    outputs: dict[str, Block] = field(default_factory=dict)
    locals: dict[str, Attribute] = field(default_factory=dict)
    providers: list[Block] = field(default_factory=list)

    def resource(self, type_name: str, name: str) -> Block:
        return self.resources[(type_name, name)]

    def resources_of(self, type_name: str) -> list[Block]:
        return [b for (t, _), b in self.resources.items() if t == type_name]

    def variable_default(self, name: str) -> Any:
        return self.variables[name].value("default")


def _label(rule: Any) -> str:
    value = rule.serialize(VALUE_OPTIONS)
    return str(value)


def _convert_block(rule: BlockRule, file: Path) -> Block:
    labels = [_label(label) for label in rule.labels]
    block = Block(type=labels[0], labels=tuple(labels[1:]), line=rule._meta.line, file=file)
    for child in rule.body.children:
        if isinstance(child, AttributeRule):
            name = _label(child.identifier)
            block.attributes[name] = Attribute(name=name, line=child._meta.line, file=file, rule=child)
        elif isinstance(child, BlockRule):
            block.blocks.append(_convert_block(child, file))
    return block


@lru_cache(maxsize=512)
def _parse_text(text: str) -> StartRule:
    # parsing dominates (lark); copies of a tree in tests share the same texts
    return hcl2.parses(text)


def parse_file(path: Path) -> list[Block]:
    """Top-level blocks of one file (symlinks followed)."""
    start = _parse_text(path.read_text())
    blocks = []
    for child in start.body.children:
        if isinstance(child, BlockRule):
            blocks.append(_convert_block(child, path))
        elif isinstance(child, AttributeRule):
            raise ValueError(f"{path}:{child._meta.line}: top-level attribute in a .tf file")
    return blocks


def load_module(directory: Path | str) -> Module:
    """Every `*.tf` file of `directory` (not recursive; symlinked files and directories followed)."""
    path = Path(directory)
    module = Module(path=path)
    module.files = sorted(p for p in path.glob("*.tf") if p.is_file())
    for file in module.files:
        for block in parse_file(file):
            module.blocks.append(block)
            kind = block.type
            if kind == "resource" and len(block.labels) == 2:
                module.resources[(block.labels[0], block.labels[1])] = block
            elif kind == "data" and len(block.labels) == 2:
                module.data[(block.labels[0], block.labels[1])] = block
            elif kind == "module" and block.labels:
                module.module_calls[block.labels[0]] = block
            elif kind == "variable" and block.labels:
                module.variables[block.labels[0]] = block
            elif kind == "output" and block.labels:
                module.outputs[block.labels[0]] = block
            elif kind == "locals":
                module.locals.update(block.attributes)
            elif kind == "provider":
                module.providers.append(block)
    return module


def load_tfvars(path: Path | str) -> dict[str, Any]:
    """A `.tfvars` file as plain values."""
    start = _parse_text(Path(path).read_text())
    out: dict[str, Any] = {}
    for child in start.body.children:
        if isinstance(child, AttributeRule):
            out[_label(child.identifier)] = child.expression.serialize(VALUE_OPTIONS)
    return out


# --- references ---


def _line(node: Tree, default: int, offset: int = 0) -> int:
    line = getattr(node.meta, "line", None) if not node.meta.empty else None
    return line + offset if isinstance(line, int) else default


def _identifier(node: Any) -> str | None:
    if isinstance(node, Tree) and node.data in ("identifier", "literal_value", "keyword"):
        token = node.children[0]
        return str(token)
    return None


def _unwrap(node: Tree) -> Tree:
    """`expr_term` around a single subtree (or parentheses) -> that subtree."""
    while node.data == "expr_term":
        inner = [c for c in node.children if isinstance(c, Tree)]
        if len(inner) != 1:
            break
        node = inner[0]
    return node


def _traversal(node: Tree) -> tuple[list[str], list[Tree]] | None:
    """Names of a traversal chain and the subtrees (indexes) to search further, or None if not one."""
    node = _unwrap(node)
    name = _identifier(node)
    if name is not None and node.data == "identifier":
        return [name], []
    if node.data not in _TRAVERSALS:
        return None
    base = _traversal(node.children[0])
    if base is None:
        return None
    parts, pending = base
    for suffix in node.children[1:]:
        if not isinstance(suffix, Tree):
            continue
        if suffix.data == "get_attr":
            parts.append(_identifier(next(c for c in suffix.children if isinstance(c, Tree))) or "?")
        elif suffix.data in ("full_splat", "attr_splat"):
            for get_attr in suffix.children:
                if isinstance(get_attr, Tree) and get_attr.data == "get_attr":
                    parts.append(
                        _identifier(next(c for c in get_attr.children if isinstance(c, Tree))) or "?"
                    )
        else:  # braces_index / short_index: the index expression may hold references
            pending.append(suffix)
    return parts, pending


def _heredoc_interpolations(text: str, first_line: int) -> Iterator[tuple[Tree, int]]:
    """`${...}` inside a heredoc (python-hcl2 keeps heredocs as one token): parse each on its own."""
    index = 0
    while (start := text.find("${", index)) != -1:
        if start > 0 and text[start - 1] == "$":  # `$${` is an escaped literal
            index = start + 2
            continue
        depth, end = 1, start + 2
        while end < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[end], 0)
            end += 1
        inner = text[start + 2 : end - 1].strip()
        line = first_line + text.count("\n", 0, start)
        tree = hcl2.parses_to_tree(f"x = {inner}\n")
        yield tree.children[0].children[0].children[2], line
        index = end


def references(tree: Tree, default_line: int, offset: int = 0) -> list[Reference]:
    """Every traversal in an expression, with its line. For-expression variables are left out."""
    found: list[Reference] = []
    bound: set[str] = set()
    for intro in tree.iter_subtrees():
        if intro.data in ("for_intro", "template_for_start"):
            for child in intro.children:
                if isinstance(child, Tree) and child.data == "identifier":
                    bound.add(str(child.children[0]))

    def visit(node: Tree | Token) -> None:
        if not isinstance(node, Tree):
            return
        if node.data == "object_elem_key":  # a bare identifier key is a literal name, not a reference
            inner = _unwrap(node.children[0]) if isinstance(node.children[0], Tree) else None
            if inner is not None and inner.data == "identifier":
                return
        if node.data in ("heredoc_template", "heredoc_template_trim"):
            first = _line(node, default_line, offset)
            for expr, line in _heredoc_interpolations(str(node.children[0]), first):
                found.extend(r for r in references(expr, line, line - 1) if r.root not in bound)
            return
        if node.data == "function_call":  # the function's name is not a reference, its arguments may be
            for child in node.children:
                if isinstance(child, Tree) and child.data == "arguments":
                    visit(child)
            return
        if node.data in ("identifier", *_TRAVERSALS):
            chain = _traversal(node)
            if chain is not None:
                parts, pending = chain
                if parts[0] not in bound:
                    found.append(Reference(tuple(parts), _line(node, default_line, offset)))
                for sub in pending:
                    visit(sub)
                return
        for child in node.children:
            visit(child)

    visit(tree)
    return found
