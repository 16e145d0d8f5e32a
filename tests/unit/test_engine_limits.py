"""The header checks: JPEG scans counted without decoding; the memory a render needs, by mode and variants."""

import struct
import zlib
from io import BytesIO

import pytest
from PIL import Image

from image_processor.config import decode_memory_budget
from image_processor.engine import (
    DEFAULT_DECODE_MEMORY_BUDGET,
    DEFAULT_MAX_INPUT_BYTES,
    PRESETS,
    ImageRejected,
    Limits,
    load_variants,
    render,
)
from image_processor.engine.budget import estimate_peak
from image_processor.engine.encode import output_format
from image_processor.engine.geometry import geometry
from image_processor.engine.jpeg import JpegLayout, layout
from tests import fixtures_images as fx
from tests.hostile import bombs

DEFAULT = load_variants("default")
MIB = 1 << 20
DEV = Limits(decode_memory_budget=decode_memory_budget(1024, DEFAULT_MAX_INPUT_BYTES))


def _save(image: Image.Image, fmt: str, **params: object) -> bytes:
    out = BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


def _no_decode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Image.Image, "load", lambda self: pytest.fail("decoded a rejected image"))


def _with_size(jpeg: bytes, width: int, height: int) -> bytes:
    """The same JPEG with its SOF0 claiming another size (a header to estimate, never decoded)."""
    data = bytearray(jpeg)
    struct.pack_into(">HH", data, data.find(b"\xff\xc0") + 5, height, width)
    return bytes(data)


def test_the_new_limits_have_documented_defaults() -> None:
    limits = Limits()
    assert (limits.max_jpeg_scans, limits.max_render_cpu_seconds) == (100, 20)
    assert limits.decode_memory_budget == 4 * 1024 * MIB
    for name in ("max_jpeg_scans", "decode_memory_budget", "max_render_cpu_seconds"):
        with pytest.raises(ValueError, match=f"^{name} must be >= 1$"):
            Limits(**{name: 0})


# ----------------------------------------------------------------------------------------------- scans


@pytest.mark.parametrize(
    ("data", "scans"),
    [
        (_save(Image.new("RGB", (64, 48)), "JPEG"), 1),
        (_save(Image.new("RGB", (64, 48)), "JPEG", progressive=True), 10),
        (_save(Image.new("L", (64, 48)), "JPEG", progressive=True), 6),
        (bombs.jpeg_scan_bomb(), 2506),
    ],
    ids=["baseline", "progressive-rgb", "progressive-grey", "scan-bomb"],
)
def test_scans_are_counted_from_the_markers(data: bytes, scans: int) -> None:
    assert layout(data).scans == scans


def test_sos_bytes_inside_metadata_and_entropy_data_are_not_scans() -> None:
    # GIVEN a baseline JPEG whose comment is full of SOS markers, with restart markers in its scan
    comment = b"\xff\xda" * 1000
    data = _save(fx.upright_image(), "JPEG", comment=comment, restart_marker_blocks=1)
    assert data.count(b"\xff\xda") > 1000
    assert b"\xff\xd0" in data[data.rfind(b"\xff\xda") :]
    # THEN only the one real scan counts, and the frame's sampling is read (4:2:0)
    assert layout(data) == JpegLayout(scans=1, buffered=False, sampling=((2, 2), (1, 1), (1, 1)))


def test_only_the_first_frame_of_an_mpo_counts() -> None:
    data = _save(
        Image.new("L", (64, 48)),
        "MPO",
        save_all=True,
        append_images=[Image.new("L", (64, 48))] * 3,
        progressive=True,
    )
    assert data.count(b"\xff\xda") == 24
    assert layout(data).scans == 6


def test_a_scan_bomb_is_rejected_by_its_scan_count_before_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN the 288 KB scan bomb, which would cost libjpeg about a minute of CPU
    data = bombs.jpeg_scan_bomb()
    _no_decode(monkeypatch)
    # WHEN rendered THEN it is rejected from its markers, without a pixel decoded
    with pytest.raises(ImageRejected) as caught:
        render(data, DEFAULT, Limits())
    assert caught.value.reason == "too many JPEG scans: 2506 exceeds the limit of 100"


def test_a_flood_of_marker_segments_is_rejected_before_pillow_parses_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN a JPEG behind a million empty comments (Pillow's header parser walks them in Python)
    data = bombs.jpeg_marker_flood()
    monkeypatch.setattr(Image, "open", lambda *args, **kwargs: pytest.fail("Pillow parsed the flood"))
    # WHEN rendered THEN the marker walk stops at 65536 segments and rejects it
    with pytest.raises(ImageRejected) as caught:
        render(data, DEFAULT, Limits())
    assert caught.value.reason == "too many JPEG markers: over 65536 segments"
    assert layout(data) == JpegLayout(scans=0, buffered=False, sampling=(), complete=False)


def test_a_real_progressive_jpeg_is_within_the_scan_limit() -> None:
    rendered = render(_save(fx.upright_image(), "JPEG", progressive=True), load_variants("half"), Limits())
    assert rendered.variants[0].width == 32


# ---------------------------------------------------------------------------------------------- memory


def test_an_rgba_image_within_the_pixel_limit_is_rejected_by_its_memory_in_dev(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN a valid 49 MP RGBA PNG (190 KB) and the dev function's budget (1024 MB: 814 MiB to render in)
    data = bombs.png_rgba_memory_bomb()
    _no_decode(monkeypatch)
    # WHEN rendered to the default preset THEN it is rejected from its header
    with pytest.raises(ImageRejected) as caught:
        render(data, DEFAULT, DEV)
    assert caught.value.reason == "image needs ~1472 MiB to decode, over the 814 MiB budget"


def square_peak(
    side: int, fmt: str, mode: str, working: str, specs: str, *, converts_profile: bool, swaps: bool | None
) -> int:
    """The estimated peak of rendering a side x side header (no JPEG layout) to the variants `specs`."""
    chosen = load_variants(specs)
    return estimate_peak(
        fmt=fmt,
        mode=mode,
        size=(side, side),
        full_size=(side, side),
        working_mode=working,
        converts_profile=converts_profile,
        jpeg=None,
        orientation_swaps=swaps,
        geometries=[geometry(spec, side, side) for spec in chosen],
        formats=[output_format(spec.format, fmt, working) for spec in chosen],
    )


def test_the_same_pixels_cost_what_their_mode_and_variants_cost() -> None:
    # GIVEN a 49 MP header in several modes WHEN estimated for the default preset
    def peak(mode: str, working: str, specs: str = "default", fmt: str = "PNG") -> int:
        return square_peak(7000, fmt, mode, working, specs, converts_profile=False, swaps=None)

    # THEN grey costs least, RGB (stored as 4 bytes) more, alpha most (WebP's alpha coder) ...
    assert peak("L", "L") < peak("RGB", "RGB") < peak("RGBA", "RGBA")
    # ... a palette costs what it becomes (its conversion, both held, is below the encoders' peak)
    assert (peak("P", "RGB"), peak("P", "RGBA")) == (peak("RGB", "RGB"), peak("RGBA", "RGBA"))
    # ... and small variants cost little: the `web` preset needs a fraction of `default`
    assert peak("RGBA", "RGBA", "web") * 2 < peak("RGBA", "RGBA")
    assert round(peak("RGBA", "RGBA") / MIB) == 1472


def test_a_48_megapixel_photo_fits_the_dev_function_upright_or_rotated(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN 48 MP JPEG headers (8000x6000, as phones make), one rotated by EXIF (a full upright copy)
    class Decoded(Exception):
        pass

    def reached_decode(self: Image.Image) -> None:
        raise Decoded

    headers = [_with_size(data, 8000, 6000) for data in (fx.photo_jpeg((80, 60)), fx.oriented_jpeg(6))]
    monkeypatch.setattr(Image.Image, "load", reached_decode)
    for data in headers:
        # WHEN rendered to the default preset with the dev budget THEN the memory check lets it decode
        with pytest.raises(Decoded):
            render(data, DEFAULT, DEV)


def test_the_default_budget_never_refuses_an_image_within_the_default_pixel_limit() -> None:
    # GIVEN the costliest 50 MP headers: alpha, palettes with transparency, float, rotated, AVIF outputs
    side = 7071
    worst = 0
    for specs in (*PRESETS, '[{"name": "a", "format": "avif"}]'):
        for fmt, mode, working in (("PNG", "LA", "LA"), ("PNG", "P", "RGBA"), ("TIFF", "F", "L")):
            for swaps in (None, True):
                peak = square_peak(side, fmt, mode, working, specs, converts_profile=True, swaps=swaps)
                worst = max(worst, peak)
    # THEN even the worst is estimated at under half the default budget
    assert worst < DEFAULT_DECODE_MEMORY_BUDGET / 2


def test_a_png_with_metadata_after_its_pixels_is_checked_before_pillow_decodes_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN the 49 MP RGBA PNG with a text chunk after its pixels (Pillow's getexif() decodes to look there)
    data = bombs.png_rgba_memory_bomb()
    text = b"Comment\0late"
    chunk = struct.pack(">I", len(text)) + b"tEXt" + text + struct.pack(">I", zlib.crc32(b"tEXt" + text))
    late = data[:-12] + chunk + data[-12:]
    assert Image.open(BytesIO(late)).size == (7000, 7000)
    _no_decode(monkeypatch)
    # WHEN rendered with the dev budget THEN the memory check comes first
    with pytest.raises(ImageRejected, match=r"^image needs ~\d+ MiB to decode, over the 814 MiB budget$"):
        render(late, DEFAULT, DEV)
