"""HEIC/HEIF (pillow-heif) and ICO sources: upright once, primary image, profile kept, metadata gone, and the
opener registered only when a HEIF arrives."""

import json
import os
import subprocess
import sys
from io import BytesIO

import pytest
from PIL import Image

from image_processor.engine import ImageRejected, Limits, load_variants, render
from image_processor.engine.heif import is_heif
from tests import fixtures_images as fx
from tests.function_env import function_environment

CORNERS = {"top_left": (12, 6), "top_right": (52, 6), "bottom_left": (12, 26), "bottom_right": (52, 26)}


def specs(*formats: str) -> list:
    return list(load_variants(json.dumps([{"name": f, "format": f} for f in formats])))


def assert_upright(image: Image.Image) -> None:
    rgb = image.convert("RGB")
    assert rgb.size == fx.UPRIGHT_SIZE
    for corner, xy in CORNERS.items():
        pixel = rgb.getpixel(xy)
        assert isinstance(pixel, tuple)
        assert all(abs(a - e) <= 24 for a, e in zip(pixel, fx.QUADRANTS[corner], strict=True)), (
            corner,
            pixel,
        )


def test_an_iphone_style_heic_renders_upright_with_no_gps() -> None:
    # GIVEN a HEIC stored landscape-rotated with its rotation (irot, EXIF orientation 6) and GPS in its EXIF
    data = fx.iphone_heic()
    opened = Image.open(BytesIO(data))
    assert opened.format == "HEIF" and opened.info["original_orientation"] == 6
    exif = Image.Exif()
    exif.load(opened.info["exif"])
    assert exif.get_ifd(0x8825)[2] == fx.GPS_LATITUDE  # (the fixture really carries GPS)
    # WHEN it is rendered to every output format at its own size
    rendered = render(data, specs("jpeg", "webp", "png", "avif", "original"))
    # THEN the source is recorded upright and every variant shows the upright picture, rotated exactly once
    assert (rendered.source.format, rendered.source.width, rendered.source.height) == ("HEIF", 64, 32)
    assert [v.format for v in rendered.variants] == ["jpeg", "webp", "png", "avif", "jpeg"]
    for variant in rendered.variants:
        image = Image.open(BytesIO(variant.body))
        assert_upright(image)
        # AND no variant carries EXIF or GPS
        assert not image.getexif(), variant.name
        assert b"GPS" not in variant.body and b"Exif" not in variant.body, variant.name


def test_a_heic_colour_profile_is_carried_into_the_variants() -> None:
    profile = fx.srgb_profile()
    rendered = render(fx.iphone_heic(icc=profile), specs("jpeg", "png"))
    for variant in rendered.variants:
        assert Image.open(BytesIO(variant.body)).info.get("icc_profile") == profile, variant.name


def test_the_primary_image_of_a_heif_collection_is_the_one_rendered() -> None:
    # GIVEN three images whose primary is the second (not the first, as a burst or an edited photo may be)
    data = fx.heif_sequence_with_primary(1, ((255, 0, 0), (0, 0, 255), (0, 255, 0)))
    (variant,) = render(data, specs("png")).variants
    pixel = Image.open(BytesIO(variant.body)).convert("RGB").getpixel((16, 16))
    assert isinstance(pixel, tuple)
    assert max(abs(a - e) for a, e in zip(pixel, (0, 0, 255), strict=True)) <= 8


def test_a_heic_over_the_pixel_limit_is_rejected_from_its_container() -> None:
    limits = Limits(max_input_pixels=64 * 31)
    with pytest.raises(
        ImageRejected, match=r"^image too large: 64x32 = 2048 pixels exceeds the 1984 pixels limit$"
    ):
        render(fx.iphone_heic(), specs("png"), limits)


def test_an_ico_renders_its_largest_frame() -> None:
    # GIVEN a favicon with 16, 32 and 48 px frames
    rendered = render(fx.ico((16, 32, 48)), specs("png"))
    # THEN the 48 px frame is the source, and it is the picture (its top left is the top-left colour)
    assert (rendered.source.format, rendered.source.width, rendered.source.height) == ("ICO", 48, 48)
    (variant,) = rendered.variants
    image = Image.open(BytesIO(variant.body)).convert("RGB")
    assert image.size == (48, 48)
    pixel = image.getpixel((4, 4))
    assert isinstance(pixel, tuple)
    assert max(abs(a - e) for a, e in zip(pixel, fx.QUADRANTS["top_left"], strict=True)) <= 16


def test_heif_magic_is_the_brands_pillow_heif_opens_and_not_avif() -> None:
    assert is_heif(fx.iphone_heic())
    avif = BytesIO()
    Image.new("RGB", (8, 8)).save(avif, "AVIF")
    assert not is_heif(avif.getvalue())
    assert not is_heif(b"")


def test_importing_the_handler_does_not_load_pillow_heif() -> None:
    # The opener costs ~80 ms of cold start; only the first HEIF upload of an environment should pay it.
    probe = (
        "import sys\n"
        "import image_processor.handler\n"
        "from image_processor.engine import render\n"
        "render(sys.stdin.buffer.read(), ())\n"
        "print('pillow_heif' in sys.modules)\n"
    )
    env = {**os.environ, **function_environment("imgpipe-test-table"), "AWS_DEFAULT_REGION": "us-east-1"}
    result = subprocess.run(
        [sys.executable, "-c", probe],
        input=fx.photo_jpeg((32, 32)),
        env=env,
        capture_output=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode().strip() == "False"
