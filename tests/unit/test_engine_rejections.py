"""Bad input and limits: always ImageRejected with a one-line reason, never a raw Pillow exception."""

import struct
import warnings
from io import BytesIO

import pytest
from PIL import EpsImagePlugin, Image

from image_processor.engine import (
    DEFAULT_MAX_INPUT_BYTES,
    ImageRejected,
    Limits,
    check_size,
    load_variants,
    render,
)
from tests import fixtures_images as fx

DEFAULT = load_variants("default")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (fx.truncated_jpeg(), "truncated or corrupt image data: image file is truncated"),
        (fx.huge_header_png(), "image too large: 60000x60000 = 3600.0 MP exceeds the 50.0 MP limit"),
        (fx.not_an_image(), "not an image: no decoder recognises this file"),
        (fx.zero_bytes(), "not an image: the file is empty"),
        (b"\xff", "not an image: no decoder recognises this file"),
        # A format's magic bytes over a header no plugin can parse: nothing identifies it as an image.
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "not an image: no decoder recognises this file"),
        (b"GIF89a" + b"\xff" * 7, "not an image: no decoder recognises this file"),
        # A valid header over missing pixel data fails at load.
        (fx.huge_header_png(64, 64), "truncated or corrupt image data: "),
    ],
)
def test_bad_input_is_rejected_with_a_one_line_reason(data: bytes, reason: str) -> None:
    # GIVEN bad bytes WHEN rendered THEN ImageRejected with the expected one-line reason
    with pytest.raises(ImageRejected) as caught:
        render(data, DEFAULT, Limits())
    assert caught.value.reason.startswith(reason)
    assert "\n" not in caught.value.reason
    assert str(caught.value) == caught.value.reason


def test_a_header_over_the_pixel_limit_is_rejected_before_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a limit of 1000 pixels and a 40x30 image; loading pixels would be a failure of the check
    data = fx.grey_jpeg()
    monkeypatch.setattr(Image.Image, "load", lambda self: pytest.fail("decoded an over-limit image"))
    with pytest.raises(ImageRejected) as caught:
        render(data, DEFAULT, Limits(max_input_pixels=1000))
    assert caught.value.reason == "image too large: 40x30 = 1200 pixels exceeds the 1000 pixels limit"


def test_pillows_decompression_bomb_warning_becomes_a_rejection(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN Pillow's own guard set low (it only warns between 1x and 2x of it)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    filters_before = list(warnings.filters)
    # WHEN an image between 1x and 2x is rendered with the same limit
    with pytest.raises(ImageRejected) as caught:
        render(fx.grey_jpeg(), DEFAULT, Limits(max_input_pixels=1000))
    # THEN it is rejected (not merely warned about), and the warning filters are as they were
    assert caught.value.reason == "image too large: 40x30 = 1200 pixels exceeds the 1000 pixels limit"
    assert warnings.filters == filters_before


def test_pillows_guard_never_caps_a_higher_configured_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN Pillow's guard below the configured limit
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    # WHEN an image under our limit but over Pillow's renders THEN it is processed, and the guard was raised
    rendered = render(fx.grey_jpeg(), load_variants("half"), Limits(max_input_pixels=5000))
    assert rendered.variants[0].width == 20
    assert Image.MAX_IMAGE_PIXELS == 5000


def test_the_file_size_limit_applies_before_download_and_inside_render() -> None:
    check_size(DEFAULT_MAX_INPUT_BYTES, Limits())
    with pytest.raises(ImageRejected) as caught:
        check_size(60 * 1024 * 1024, Limits())
    assert caught.value.reason == "file too large: 60.0 MiB exceeds the 50.0 MiB limit"
    with pytest.raises(ImageRejected, match=r"^file too large: 0\.0 MiB exceeds the 0\.0 MiB limit$"):
        render(fx.grey_jpeg(), DEFAULT, Limits(max_input_bytes=10))


def test_defaults_are_documented_values() -> None:
    assert Limits() == Limits(max_input_pixels=50_000_000, max_input_bytes=52_428_800)
    with pytest.raises(ValueError, match="max_input_pixels"):
        Limits(max_input_pixels=0)


def test_an_encoder_failure_names_the_variant() -> None:
    # GIVEN an image taller than WebP can encode (16383 px) but within the pixel limit
    out = BytesIO()
    Image.new("L", (1, 17000)).save(out, "PNG")
    # WHEN rendered to WebP THEN the rejection names the variant and the format
    with pytest.raises(ImageRejected, match=r"^cannot encode variant webp as webp: "):
        render(out.getvalue(), load_variants('[{"name": "webp", "format": "webp"}]'))


def test_a_zero_sized_header_is_not_an_image() -> None:
    # A BMP header declaring 0x0 pixels
    header = (
        b"BM"
        + struct.pack("<IHHI", 58, 0, 0, 54)
        + struct.pack("<IiiHHIIiiII", 40, 0, 0, 1, 24, 0, 4, 0, 0, 0, 0)
    )
    with pytest.raises(ImageRejected):
        render(header + b"\x00" * 4, DEFAULT)


@pytest.mark.parametrize(
    ("data", "reason"), [(fx.eps(), "unsupported format: EPS"), (fx.pcx(), "unsupported format: PCX")]
)
def test_formats_outside_the_allow_list_are_refused_by_name(
    data: bytes, reason: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN Ghostscript that must never run (Pillow renders EPS through it)
    monkeypatch.setattr(EpsImagePlugin, "Ghostscript", lambda *a, **k: pytest.fail("Ghostscript ran"))
    # WHEN a format Pillow knows but the engine does not accept is rendered THEN it is rejected by name
    with pytest.raises(ImageRejected) as caught:
        render(data, DEFAULT)
    assert caught.value.reason == reason
