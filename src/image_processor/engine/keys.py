"""Where a variant of a source object is written."""

import posixpath


def variant_key(
    source_key: str, source_prefix: str, destination_prefix: str, suffix: str, extension: str
) -> str:
    """`uploads/2026/cat.jpg` -> `processed/2026/cat_thumbnail.jpg`: path under the source prefix, without its
    extension, plus `_<suffix>.<extension>`, under the destination prefix."""
    return f"{variant_stem(source_key, source_prefix, destination_prefix)}_{suffix}.{extension}"


def variant_stem(source_key: str, source_prefix: str, destination_prefix: str) -> str:
    """`uploads/2026/cat.jpg` -> `processed/2026/cat`: what every variant key of that source starts with.

    Sources that differ only by extension (`cat.jpg`, `cat.png`) share it: the function gives a stem to the
    first of them (docs/function.md, "One stem, one source")."""
    if not source_key.startswith(source_prefix):
        raise ValueError(f"{source_key!r} is not under the source prefix {source_prefix!r}")
    stem, _ = posixpath.splitext(source_key[len(source_prefix) :])
    return f"{destination_prefix}{stem}"
