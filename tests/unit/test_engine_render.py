"""render(): orientation, colour, alpha, frames, metadata, sizes and the single (drafted) decode."""

import json
from io import BytesIO

import pytest
from PIL import Image, ImageCms, JpegImagePlugin

from image_processor.engine import Limits, Rendered, load_variants, render
from tests import fixtures_images as fx


def spec(**fields: object) -> list:
    """One validated spec (name `v`, PNG unless given) for a test."""
    return list(load_variants(json.dumps([{"name": "v", "format": "png", **fields}])))


def only(rendered: Rendered) -> Image.Image:
    (variant,) = rendered.variants
    image = Image.open(BytesIO(variant.body))
    assert (image.width, image.height) == (variant.width, variant.height)
    return image


def close(actual: object, expected: tuple[int, ...], tolerance: int = 16) -> bool:
    assert isinstance(actual, tuple)
    return len(actual) == len(expected) and all(
        abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=True)
    )


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_comes_out_upright(orientation: int) -> None:
    # GIVEN a JPEG stored rotated/flipped with the EXIF orientation that undoes it
    data = fx.oriented_jpeg(orientation)
    # WHEN it is rendered at its original size
    rendered = render(data, spec())
    # THEN the output shows the upright picture: same size, each colour in its corner
    image = only(rendered).convert("RGB")
    assert image.size == fx.UPRIGHT_SIZE
    assert (rendered.source.width, rendered.source.height) == fx.UPRIGHT_SIZE
    for (x, y), corner in zip(
        [(12, 6), (52, 6), (12, 26), (52, 26)],
        ["top_left", "top_right", "bottom_left", "bottom_right"],
        strict=True,
    ):
        assert close(image.getpixel((x, y)), fx.QUADRANTS[corner]), (
            orientation,
            corner,
            image.getpixel((x, y)),
        )


@pytest.mark.parametrize("orientation", [6, 8])
def test_orientation_is_applied_on_the_drafted_decode_too(orientation: int) -> None:
    # GIVEN a rotated JPEG and a thumbnail small enough for DCT scaling
    rendered = render(fx.oriented_jpeg(orientation), spec(width=16, height=16))
    # THEN the thumbnail is upright (wider than tall, colours in place)
    image = only(rendered).convert("RGB")
    assert image.size == (16, 8)
    assert close(image.getpixel((2, 1)), fx.QUADRANTS["top_left"], 40)
    assert close(image.getpixel((13, 6)), fx.QUADRANTS["bottom_right"], 40)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_orientation_is_upright_when_rotated_after_the_first_resize(orientation: int) -> None:
    # GIVEN a rotated/flipped JPEG whose outputs are all smaller than it (the engine resizes as stored, then
    # rotates the largest output), at two sizes so that the chain also resizes the rotated image
    data = fx.oriented_jpeg(orientation)
    sizes = [{"name": "large", "format": "png", "width": 32}, {"name": "small", "format": "png", "width": 16}]
    rendered = render(data, load_variants(json.dumps(sizes)))
    # THEN both outputs are upright: landscape, each colour in its corner
    large, small = (Image.open(BytesIO(v.body)).convert("RGB") for v in rendered.variants)
    assert large.size == (32, 16) and small.size == (16, 8)
    for image, scale in ((large, 2), (small, 1)):
        for (x, y), corner in zip(
            [(2, 1), (13, 1), (2, 6), (13, 6)],
            ["top_left", "top_right", "bottom_left", "bottom_right"],
            strict=True,
        ):
            assert close(image.getpixel((x * scale, y * scale)), fx.QUADRANTS[corner], 40), (
                orientation,
                corner,
            )


def test_the_default_preset_renders_five_outputs_with_the_right_types() -> None:
    rendered = render(fx.photo_jpeg((400, 300)), load_variants("default"))
    assert rendered.source.format == "JPEG"
    assert rendered.source.bytes == len(fx.photo_jpeg((400, 300)))
    assert [
        (v.name, v.suffix, v.extension, v.content_type, v.width, v.height) for v in rendered.variants
    ] == [
        ("compressed", "compressed", "jpg", "image/jpeg", 400, 300),
        ("low_quality", "low_quality", "jpg", "image/jpeg", 400, 300),
        ("webp", "converted", "webp", "image/webp", 400, 300),
        ("png", "converted", "png", "image/png", 400, 300),
        ("thumbnail", "thumbnail", "jpg", "image/jpeg", 150, 113),
    ]
    formats = [Image.open(BytesIO(v.body)).format for v in rendered.variants]
    assert formats == ["JPEG", "JPEG", "WEBP", "PNG", "JPEG"]
    sizes = {v.name: len(v.body) for v in rendered.variants}
    assert sizes["low_quality"] < sizes["compressed"]


@pytest.mark.parametrize(
    ("fields", "size"),
    [
        ({}, (400, 300)),
        ({"width": 200}, (200, 150)),
        ({"height": 60}, (80, 60)),
        ({"width": 100, "height": 100}, (100, 75)),  # contain: fits inside the box
        ({"width": 100, "height": 100, "fit": "cover"}, (100, 100)),  # cover: fills the box, cropped
        ({"width": 300, "height": 50, "fit": "cover"}, (300, 50)),
        ({"scale": 0.5}, (200, 150)),
        ({"width": 4000}, (400, 300)),  # never upscale
        ({"width": 800, "height": 900}, (400, 300)),
        ({"width": 800, "height": 100, "fit": "cover"}, (400, 100)),  # box wider than the source: crop only
        ({"width": 1000, "height": 1000, "fit": "cover"}, (400, 300)),
    ],
)
def test_output_sizes_fit_the_box_and_never_upscale(fields: dict, size: tuple[int, int]) -> None:
    rendered = render(fx.photo_jpeg((400, 300)), spec(**fields))
    assert only(rendered).size == size


def test_cover_crops_the_centre() -> None:
    # GIVEN the 64x32 quadrant picture WHEN covered into a 16x16 square
    image = only(render(fx.oriented_jpeg(1), spec(width=16, height=16, fit="cover"))).convert("RGB")
    # THEN the middle is kept: left half red/blue, right half green/yellow, nothing of the outer quarters lost
    assert image.size == (16, 16)
    assert close(image.getpixel((2, 2)), fx.QUADRANTS["top_left"], 40)
    assert close(image.getpixel((13, 13)), fx.QUADRANTS["bottom_right"], 40)


def test_original_format_maps_sources_to_web_formats() -> None:
    half = load_variants("half")
    assert render(fx.photo_jpeg((40, 30)), half).variants[0].format == "jpeg"
    assert render(fx.mpo(), half).variants[0].format == "jpeg"
    assert render(fx.animated_gif(), half).variants[0].format == "png"
    assert render(fx.rgba_png(), half).variants[0].format == "png"
    tiff_rgb, tiff_rgba = BytesIO(), BytesIO()
    Image.new("RGB", (8, 8)).save(tiff_rgb, "TIFF")
    Image.new("RGBA", (8, 8)).save(tiff_rgba, "TIFF")
    assert render(tiff_rgb.getvalue(), half).variants[0].format == "jpeg"
    assert render(tiff_rgba.getvalue(), half).variants[0].format == "png"


def test_cmyk_with_an_embedded_profile_is_converted_through_it() -> None:
    # GIVEN white CMYK (no ink) whose embedded profile says "no ink looks green"
    image = only(render(fx.cmyk_jpeg(with_icc=True), spec()))
    # THEN the output is RGB and green: the profile was used (the naive formula would give white)
    assert image.mode == "RGB"
    assert close(image.getpixel((4, 4)), (0, 129, 1), 8)
    assert "icc_profile" not in image.info  # the CMYK profile is not carried to an RGB output


def test_cmyk_without_a_profile_is_converted_naively() -> None:
    image = only(render(fx.cmyk_jpeg(with_icc=False, cmyk=(0, 255, 255, 0)), spec(format="jpeg")))
    assert image.mode == "RGB"
    assert close(image.getpixel((4, 4)), (255, 0, 0), 24)


def test_palette_transparency_is_kept_in_png_and_flattened_on_white_in_jpeg() -> None:
    data = fx.palette_png_with_transparency()
    png = only(render(data, spec()))
    assert png.mode == "RGBA"
    assert png.getpixel((2, 2))[3] == 0
    assert png.getpixel((30, 2)) == (255, 0, 0, 255)
    jpeg = only(render(data, spec(format="jpeg")))
    assert jpeg.mode == "RGB"
    assert close(jpeg.getpixel((2, 2)), (255, 255, 255), 4)
    assert close(jpeg.getpixel((29, 8)), (255, 0, 0), 8)


def test_rgba_is_flattened_onto_white_for_jpeg_and_keeps_alpha_in_webp() -> None:
    jpeg = only(render(fx.rgba_png(), spec(format="jpeg")))
    assert jpeg.mode == "RGB"
    assert close(jpeg.getpixel((2, 2)), (255, 255, 255), 4)
    assert close(jpeg.getpixel((29, 8)), (0, 0, 255), 8)
    webp = only(render(fx.rgba_png(), spec(format="webp", options={"lossless": True})))
    assert webp.mode == "RGBA"
    assert webp.getpixel((2, 2))[3] == 0
    assert webp.getpixel((29, 8)) == (0, 0, 255, 255)


def test_grey_with_alpha_stays_grey() -> None:
    png = only(render(fx.la_png(), spec()))
    assert png.mode == "LA"
    assert png.getpixel((29, 8)) == (64, 255)
    jpeg = only(render(fx.la_png(), spec(format="jpeg")))
    assert jpeg.mode == "L"
    assert abs(jpeg.getpixel((2, 2)) - 255) <= 2  # type: ignore[operator]


def test_grayscale_stays_grayscale() -> None:
    for fmt in ("jpeg", "png"):
        image = only(render(fx.grey_jpeg(), spec(format=fmt)))
        assert image.mode == "L"
        assert abs(image.getpixel((5, 5)) - 100) <= 2  # type: ignore[operator]


def test_sixteen_bit_grey_is_scaled_to_eight_bits_not_clipped() -> None:
    image = only(render(fx.grey16_png(), spec()))
    assert image.mode == "L"
    assert image.getpixel((2, 2)) == 127  # 0x8000 / 257, where a clipping conversion would give 255
    assert image.getpixel((30, 2)) == 255


def test_only_the_first_frame_of_an_animation_or_mpo_is_rendered() -> None:
    gif = only(render(fx.animated_gif(), spec()))
    assert getattr(gif, "n_frames", 1) == 1
    assert close(gif.convert("RGB").getpixel((5, 5)), (255, 0, 0), 4)
    rendered = render(fx.mpo(), spec(format="jpeg"))
    assert rendered.source.format == "MPO"
    image = only(rendered)
    assert image.format == "JPEG"  # not an MPO with a second image appended
    assert close(image.getpixel((5, 5)), (255, 0, 0), 8)


def test_no_metadata_survives_in_any_output_format() -> None:
    # GIVEN a JPEG with GPS in EXIF and XMP, a camera make and a comment
    data = fx.gps_jpeg()
    assert Image.open(BytesIO(data)).getexif().get_ifd(0x8825)  # (the fixture really carries GPS)
    # WHEN every format is rendered
    specs = load_variants(
        json.dumps(
            [{"name": f, "format": f} for f in ("jpeg", "png", "webp", "avif")]
            + [{"name": "t", "format": "jpeg", "width": 20}]
        )
    )
    rendered = render(data, specs)
    # THEN no output carries EXIF, GPS, XMP or the comment: not in the parsed image, not in the bytes
    for variant in rendered.variants:
        image = Image.open(BytesIO(variant.body))
        assert not image.getexif(), variant.name
        assert not {"exif", "xmp", "XML:com.adobe.xmp", "comment"} & set(image.info), (
            variant.name,
            image.info.keys(),
        )
        for needle in (b"Exif", b"GPS", b"ACME", b"xmpmeta", b"secret"):
            assert needle not in variant.body, (variant.name, needle)


def test_an_rgb_icc_profile_is_kept_for_colour() -> None:
    # GIVEN a JPEG with an (sRGB) ICC profile
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = BytesIO()
    Image.new("RGB", (20, 10), (10, 200, 30)).save(out, "JPEG", icc_profile=profile)
    # THEN every output carries it (colour, not provenance)
    rendered = render(out.getvalue(), load_variants("default"))
    for variant in rendered.variants:
        assert Image.open(BytesIO(variant.body)).info.get("icc_profile") == profile, variant.name


Drafts = list[tuple[object, tuple[int, int]]]


@pytest.fixture
def drafts(monkeypatch: pytest.MonkeyPatch) -> Drafts:
    """A spy on the JPEG plugin's draft(): (the size asked for, the decode size libjpeg chose) per call."""
    calls: Drafts = []
    original = JpegImagePlugin.JpegImageFile.draft

    def spy(self: JpegImagePlugin.JpegImageFile, mode: str | None, size: tuple[int, int] | None) -> object:
        result = original(self, mode, size)
        calls.append((size, self.size))
        return result

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", spy)
    return calls


def test_decode_once_with_draft_sized_for_the_largest_output(drafts: Drafts) -> None:
    # GIVEN a spy on the JPEG plugin's draft() and its decode size
    # WHEN an 800x600 photo renders a 150 px thumbnail and a 190 px variant
    specs = load_variants(
        json.dumps(
            [
                {"name": "a", "format": "jpeg", "width": 150, "height": 150},
                {"name": "b", "format": "webp", "width": 190},
            ]
        )
    )
    rendered = render(fx.photo_jpeg((800, 600)), specs)
    # THEN draft ran once, for the largest output (190x143), and libjpeg decoded at 1/4 scale (200x150)
    assert drafts == [((190, 143), (200, 150))]
    assert [(v.width, v.height) for v in rendered.variants] == [(150, 113), (190, 143)]


def test_draft_uses_stored_axes_for_rotated_photos(drafts: Drafts) -> None:
    # GIVEN a 64x32 upright picture stored as 32x64 with orientation 6, and an 8 px wide output
    rendered = render(fx.oriented_jpeg(6), spec(width=8))
    # THEN draft was asked in stored axes (4 wide x 8 tall) for the 8x4 upright output
    assert drafts == [((4, 8), (4, 8))]
    assert (rendered.variants[0].width, rendered.variants[0].height) == (8, 4)


def test_no_draft_when_an_output_keeps_the_original_size(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []
    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", lambda self, mode, size: calls.append(size))
    render(fx.photo_jpeg((400, 300)), load_variants("default"))
    assert calls == []


def test_limits_are_optional_and_default() -> None:
    assert render(fx.grey_jpeg(), spec(), None).variants[0].width == 40
    assert render(fx.grey_jpeg(), spec(), Limits()).variants[0].width == 40


def test_an_icc_profile_that_lcms_cannot_parse_is_never_copied() -> None:
    # GIVEN 200 KB of junk whose header claims to be an RGB profile
    rendered = render(fx.jpeg_with_icc(fx.junk_rgb_icc()), load_variants("default"))
    # THEN no output carries it (nor grows by it)
    for variant in rendered.variants:
        assert "icc_profile" not in Image.open(BytesIO(variant.body)).info, variant.name
        assert len(variant.body) < 20_000, variant.name


def test_a_large_valid_profile_is_applied_instead_of_copied() -> None:
    # GIVEN a valid sRGB profile padded to 70 KB (over the 64 KiB embedding cap)
    rendered = render(fx.jpeg_with_icc(fx.srgb_profile(padding=70_000)), spec(format="jpeg"))
    image = only(rendered)
    # THEN the pixels are converted (sRGB to sRGB: unchanged) and nothing is embedded
    assert "icc_profile" not in image.info
    assert close(image.getpixel((5, 5)), (10, 200, 30), 8)
