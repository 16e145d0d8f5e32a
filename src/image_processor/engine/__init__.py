"""The pure image engine: variant specs, limits and `render` (bytes in, variants out). Never imports boto3."""

from image_processor.engine.errors import ImageRejected, RenderInterrupted, SpecError
from image_processor.engine.isolate import render_isolated
from image_processor.engine.keys import variant_key
from image_processor.engine.limits import (
    DEFAULT_DECODE_MEMORY_BUDGET,
    DEFAULT_MAX_INPUT_BYTES,
    DEFAULT_MAX_INPUT_PIXELS,
    DEFAULT_MAX_JPEG_SCANS,
    DEFAULT_MAX_RENDER_CPU_SECONDS,
    Limits,
    check_size,
)
from image_processor.engine.render import Rendered, RenderedVariant, SourceInfo, Span, render
from image_processor.engine.specs import PRESETS, VariantSpec, load_variants, variants_signature

__all__ = [
    "DEFAULT_DECODE_MEMORY_BUDGET",
    "DEFAULT_MAX_INPUT_BYTES",
    "DEFAULT_MAX_INPUT_PIXELS",
    "DEFAULT_MAX_JPEG_SCANS",
    "DEFAULT_MAX_RENDER_CPU_SECONDS",
    "PRESETS",
    "ImageRejected",
    "Limits",
    "RenderInterrupted",
    "Rendered",
    "RenderedVariant",
    "SourceInfo",
    "Span",
    "SpecError",
    "VariantSpec",
    "check_size",
    "load_variants",
    "render",
    "render_isolated",
    "variant_key",
    "variants_signature",
]
