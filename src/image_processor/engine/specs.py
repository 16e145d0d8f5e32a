"""Variant specs: the `VARIANTS` JSON (or a preset name), validated into frozen `VariantSpec`s.

A spec is `{"name", "suffix"?, "format", "width"?, "height"?, "scale"?, "fit"?, "quality"?, "options"?}`.
Errors name the field (`variants[2].fit: must be contain or cover`) because they surface at cold start.
"""

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from image_processor.engine.errors import SpecError

FORMATS = ("jpeg", "webp", "png", "avif", "original")
FITS = ("contain", "cover")
MAX_DIMENSION = 16_384  # larger boxes are almost certainly typos; WebP cannot go beyond 16383 anyway
_FIELDS = ("name", "suffix", "format", "width", "height", "scale", "fit", "quality", "options")
# Suffixes become part of S3 keys and file names: keep them to a safe alphabet.
_SUFFIX_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_OptionValue = str | int | float | bool
# Encoder options a spec may set, with types and ranges: checked here, at cold start, so that a typo fails
# the configuration instead of rejecting every image at encode time. Metadata options (exif, xmp, icc_profile,
# comment, pnginfo) are deliberately absent: outputs never carry metadata.
_BOOL = (bool, None)
_OPTIONS: dict[str, dict[str, tuple[type, tuple[int, int] | tuple[str, ...] | None]]] = {
    "jpeg": {
        "optimize": _BOOL,
        "progressive": _BOOL,
        "subsampling": (str, ("4:4:4", "4:2:2", "4:2:0")),
        "keep_rgb": _BOOL,
    },
    "png": {"compress_level": (int, (0, 9)), "optimize": _BOOL},
    "webp": {
        "method": (int, (0, 6)),
        "lossless": _BOOL,
        "alpha_quality": (int, (0, 100)),
        "exact": _BOOL,
        "use_iccp": _BOOL,
    },
    "avif": {"speed": (int, (0, 10)), "subsampling": (str, ("4:4:4", "4:2:2", "4:2:0", "4:0:0"))},
}
_OPTIONS["original"] = {k: v for table in _OPTIONS.values() for k, v in table.items()}


@dataclass(frozen=True)
class VariantSpec:
    """One output of a source image. Sizes never upscale; `options` are extra encoder keywords (overrides)."""

    name: str
    format: str
    suffix: str = ""
    width: int | None = None
    height: int | None = None
    scale: float | None = None
    fit: str = "contain"
    quality: int | None = None
    options: Mapping[str, _OptionValue] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        if not self.suffix:
            object.__setattr__(self, "suffix", self.name)

    def to_dict(self) -> dict[str, Any]:
        """The canonical JSON form: only the fields that are set (load_variants reads it back unchanged)."""
        out: dict[str, Any] = {"name": self.name, "suffix": self.suffix, "format": self.format}
        for key in ("width", "height", "scale", "quality"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        out["fit"] = self.fit
        if self.options:
            out["options"] = dict(sorted(self.options.items()))
        return out


def _web() -> tuple[VariantSpec, ...]:
    # Responsive widths for <img srcset>: each size in WebP (modern browsers) and JPEG (fallback).
    specs: list[VariantSpec] = []
    for label, box in (
        ("thumbnail", (150, 150)),
        ("w640", (640, None)),
        ("w1280", (1280, None)),
        ("w1920", (1920, None)),
    ):
        for fmt in ("webp", "jpeg"):
            specs.append(
                VariantSpec(name=f"{label}_{fmt}", suffix=label, format=fmt, width=box[0], height=box[1])
            )
    return tuple(specs)


PRESETS: dict[str, tuple[VariantSpec, ...]] = {
    "default": (
        VariantSpec(name="compressed", format="jpeg", quality=85),
        VariantSpec(name="low_quality", format="jpeg", quality=50),
        VariantSpec(name="webp", suffix="converted", format="webp"),
        VariantSpec(name="png", suffix="converted", format="png"),
        VariantSpec(name="thumbnail", format="jpeg", width=150, height=150),
    ),
    "half": (VariantSpec(name="half", format="original", scale=0.5),),
    "web": _web(),
}


def load_variants(text: str) -> tuple[VariantSpec, ...]:
    """A preset name (`default`, `half`, `web`) or a JSON list of specs -> validated specs."""
    stripped = text.strip()
    if stripped in PRESETS:
        return PRESETS[stripped]
    if not stripped.startswith("["):
        raise SpecError(
            f"variants: unknown preset {stripped!r}; use one of {', '.join(PRESETS)} or a JSON list"
        )
    try:
        raw = json.loads(stripped)
    except json.JSONDecodeError as exc:
        raise SpecError(
            f"variants: invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    return parse_variants(raw)


def parse_variants(raw: object) -> tuple[VariantSpec, ...]:
    """Validate already-parsed JSON (a list of objects)."""
    if not isinstance(raw, list) or not raw:
        raise SpecError("variants: must be a non-empty JSON list of variant objects")
    specs = tuple(_parse_one(item, f"variants[{i}]") for i, item in enumerate(raw))
    names: set[str] = set()
    outputs: dict[tuple[str, str], str] = {}
    for i, spec in enumerate(specs):
        if spec.name in names:
            raise SpecError(f"variants[{i}].name: duplicate name {spec.name!r}")
        names.add(spec.name)
        # Two variants must never write the same key. `original` may become any format, so it owns its suffix.
        ext = "*" if spec.format == "original" else spec.format
        for (suffix, other_ext), other in outputs.items():
            if suffix == spec.suffix and (ext == other_ext or "*" in (ext, other_ext)):
                raise SpecError(
                    f"variants[{i}].suffix: {spec.suffix!r} with format {spec.format} would overwrite "
                    f"variant {other!r}"
                )
        outputs[(spec.suffix, ext)] = spec.name
    return specs


def _parse_one(item: object, where: str) -> VariantSpec:
    if not isinstance(item, dict):
        raise SpecError(f"{where}: must be a JSON object")
    for key in item:
        if key not in _FIELDS:
            raise SpecError(f"{where}.{key}: unknown field (allowed: {', '.join(_FIELDS)})")
    name = item.get("name")
    if not isinstance(name, str) or not _SUFFIX_RE.match(name):
        raise SpecError(f"{where}.name: required, 1-64 characters of A-Z a-z 0-9 . _ -")
    suffix = item.get("suffix", name)
    if not isinstance(suffix, str) or not _SUFFIX_RE.match(suffix):
        raise SpecError(f"{where}.suffix: must be 1-64 characters of A-Z a-z 0-9 . _ -")
    fmt = item.get("format")
    if not isinstance(fmt, str) or fmt.lower() not in FORMATS:
        raise SpecError(f"{where}.format: must be one of {', '.join(FORMATS)}")
    width = _dimension(item, "width", where)
    height = _dimension(item, "height", where)
    scale = item.get("scale")
    if scale is not None:
        if isinstance(scale, bool) or not isinstance(scale, int | float) or not 0 < scale <= 1:
            raise SpecError(f"{where}.scale: must be a number > 0 and <= 1 (images are never upscaled)")
        if width is not None or height is not None:
            raise SpecError(f"{where}.scale: give either scale or width/height, not both")
        scale = float(scale)
    fit = item.get("fit", "contain")
    if fit not in FITS:
        raise SpecError(f"{where}.fit: must be contain or cover")
    if fit == "cover" and (width is None or height is None):
        raise SpecError(f"{where}.fit: cover needs both width and height")
    quality = item.get("quality")
    if quality is not None and (
        isinstance(quality, bool) or not isinstance(quality, int) or not 1 <= quality <= 100
    ):
        raise SpecError(f"{where}.quality: must be an integer from 1 to 100")
    return VariantSpec(
        name=name,
        suffix=suffix,
        format=fmt.lower(),
        width=width,
        height=height,
        scale=scale,
        fit=fit,
        quality=quality,
        options=_options(item.get("options", {}), fmt.lower(), where),
    )


def _dimension(item: dict[str, object], key: str, where: str) -> int | None:
    value = item.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_DIMENSION:
        raise SpecError(f"{where}.{key}: must be an integer from 1 to {MAX_DIMENSION}")
    return value


def _options(value: object, fmt: str, where: str) -> dict[str, _OptionValue]:
    if not isinstance(value, dict):
        raise SpecError(f"{where}.options: must be a JSON object of encoder options")
    allowed = _OPTIONS[fmt]
    for key, option in value.items():
        if key not in allowed:
            raise SpecError(f"{where}.options.{key}: not an option for {fmt} (allowed: {', '.join(allowed)})")
        kind, accepted = allowed[key]
        if kind is bool and not isinstance(option, bool):
            raise SpecError(f"{where}.options.{key}: must be true or false")
        if kind is int and (isinstance(option, bool) or not isinstance(option, int)):
            raise SpecError(f"{where}.options.{key}: must be an integer")
        if kind is int and accepted is not None and not accepted[0] <= option <= accepted[1]:
            raise SpecError(f"{where}.options.{key}: must be from {accepted[0]} to {accepted[1]}")
        if kind is str and accepted is not None and option not in accepted:
            raise SpecError(f"{where}.options.{key}: must be one of {', '.join(map(str, accepted))}")
    return dict(value)


def variants_signature(specs: Sequence[VariantSpec]) -> str:
    """Short stable hash of the canonical spec JSON; a changed preset changes it (reprocess relies on it)."""
    canonical = json.dumps([s.to_dict() for s in specs], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]
