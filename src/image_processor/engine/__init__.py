"""The pure image engine: variant specs, limits and `render` (bytes in, variants out). Never imports boto3."""

from image_processor.engine.errors import ImageRejected, SpecError
from image_processor.engine.keys import variant_key
from image_processor.engine.limits import (
    DEFAULT_MAX_INPUT_BYTES,
    DEFAULT_MAX_INPUT_PIXELS,
    Limits,
    check_size,
)
from image_processor.engine.render import Rendered, RenderedVariant, SourceInfo, Span, render
from image_processor.engine.specs import PRESETS, VariantSpec, load_variants, variants_signature

__all__ = [
    "DEFAULT_MAX_INPUT_BYTES",
    "DEFAULT_MAX_INPUT_PIXELS",
    "PRESETS",
    "ImageRejected",
    "Limits",
    "Rendered",
    "RenderedVariant",
    "SourceInfo",
    "Span",
    "SpecError",
    "VariantSpec",
    "check_size",
    "load_variants",
    "render",
    "variant_key",
    "variants_signature",
]
