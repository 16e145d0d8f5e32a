"""32-bit grey TIFFs (float F, int I): their own range becomes black..white, whatever their units."""

import math
import struct
from io import BytesIO

import pytest
from PIL import Image

from image_processor.engine import load_variants, render

PNG = load_variants('[{"name": "v", "format": "png"}]')
RAMP_AT = (0, 1, 64, 128, 200, 254, 255)  # columns of a 256-wide ramp, and the grey each must become


def _tiff(mode: str, values: list[float]) -> bytes:
    """A one-row TIFF of `values` (F: float32, I: int32)."""
    packed = struct.pack(f"<{len(values)}{'f' if mode == 'F' else 'i'}", *values)
    out = BytesIO()
    raw = "F;32F" if mode == "F" else "I;32"
    Image.frombytes(mode, (len(values), 1), packed, "raw", raw).save(out, "TIFF")
    return out.getvalue()


def _rendered(data: bytes) -> list[int]:
    (variant,) = render(data, PNG).variants
    image = Image.open(BytesIO(variant.body))
    assert image.mode == "L"
    return list(image.tobytes())


def _ramp(low: float, high: float) -> list[float]:
    return [low + (high - low) * i / 255 for i in range(256)]


@pytest.mark.parametrize(
    ("mode", "low", "high"),
    [("F", 0.0, 1.0), ("F", -1000.0, 1000.0), ("F", 3e30, 4e30), ("I", -1000, 1000), ("I", 0, 2**31 - 1)],
    ids=["float-0-1", "float-plus-minus-1000", "float-huge", "int-plus-minus-1000", "int-full-range"],
)
def test_a_ramp_over_any_range_renders_as_a_full_grey_ramp(mode: str, low: float, high: float) -> None:
    # GIVEN a 256-pixel ramp from low to high WHEN rendered THEN pixel i is grey i: black to white
    values = _ramp(low, high) if mode == "F" else [round(v) for v in _ramp(low, high)]
    pixels = _rendered(_tiff(mode, values))
    assert [pixels[x] for x in RAMP_AT] == list(RAMP_AT)


@pytest.mark.parametrize(("mode", "value"), [("F", 0.5), ("F", -7.25), ("I", 123_456)])
def test_a_constant_image_has_no_range_and_renders_black(mode: str, value: float) -> None:
    # GIVEN one value everywhere (max - min = 0) WHEN rendered THEN no division by zero: black
    assert _rendered(_tiff(mode, [value] * 8)) == [0] * 8


def test_nan_and_infinities_are_left_out_of_the_range_and_render_black() -> None:
    # GIVEN a float ramp 0..1 with NaN first (where Pillow's extrema would stop at it) and +-inf inside
    values = [math.nan, *_ramp(0.0, 1.0), math.inf, -math.inf, math.nan]
    # WHEN rendered THEN the finite values are the ramp, and each non-finite value is black
    pixels = _rendered(_tiff("F", values))
    assert pixels[0] == 0
    assert [pixels[1 + x] for x in RAMP_AT] == list(RAMP_AT)
    assert pixels[257:] == [0, 0, 0]


def test_an_image_of_only_nan_renders_black() -> None:
    assert _rendered(_tiff("F", [math.nan, math.inf, -math.inf])) == [0, 0, 0]
