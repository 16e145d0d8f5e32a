"""Resize every variant from one decoded image: largest first, each from the smallest copy that covers it."""

from collections.abc import Iterator, Sequence

from PIL import Image

from image_processor.engine.geometry import Geometry

# Each variant is resized from the smallest already-made full-frame image that still covers it (1920 -> 1280
# -> 640 -> 150, not four resizes of the whole decode): fewer source pixels per resize, and within 0.5 dB PSNR
# of resizing each from the full-resolution original (measured, docs/benchmarks.md).
REUSE_GAP = 1.0
# resize() first box-reduces by an integer factor down to this multiple of the output, then runs the filter.
REDUCING_GAP = 3.0
# The filter of the chain's later steps (1920 -> 1280 -> 640 -> 150): Lanczos. Bicubic there loses 0.4-0.7 dB
# PSNR at 1280/640/150 px (measured, docs/benchmarks.md), which its savings (~20 ms per photo) do not buy.
FILTER = Image.Resampling.LANCZOS
# The first step, from the (DCT-scaled) decode to the largest output, is most of the resize time. When its
# factor is in [FIRST_STEP_MIN_FACTOR, FIRST_STEP_MAX_FACTOR) (what DCT scaling leaves), it uses bicubic:
# ~25 % cheaper than Lanczos there, for -0.2 dB PSNR on average at 1920 px (worst -0.44 dB) and nothing
# measurable on the smaller sizes made from it with Lanczos (docs/benchmarks.md). Below 1.2x the step is cheap
# and bicubic's softness shows most (-0.5 dB for 2016 -> 1920 px): Lanczos. Every other resize is Lanczos.
FIRST_STEP_FILTER = Image.Resampling.BICUBIC
FIRST_STEP_MIN_FACTOR = 1.2
FIRST_STEP_MAX_FACTOR = 2.0
# EXIF orientation -> the transpose that makes the image upright (as ImageOps.exif_transpose does).
TRANSPOSES = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_SWAPS_AXES = frozenset({5, 6, 7, 8})


def resized(
    base: Image.Image, geometries: Sequence[Geometry], orientation: int = 1
) -> Iterator[tuple[int, Image.Image]]:
    """(index, image) for every geometry, largest output first. `base` is the decode as stored, `orientation`
    its EXIF orientation; geometries are in upright coordinates and outputs are upright. Outputs of the base's
    size are the base itself (no copy); images are shared between variants of the same geometry, so callers
    must not modify them."""
    order = sorted(range(len(geometries)), key=lambda i: -geometries[i].size[0] * geometries[i].size[1])
    first_step = True  # the resize from the decode to the largest output (see FIRST_STEP_FILTER)
    if orientation in TRANSPOSES:
        base, first_done = _upright(base, [geometries[i] for i in order], orientation)
        first_step = not first_done
    reusable = [base]
    for i in order:
        geom = geometries[i]
        source = _pick(reusable, geom, base)
        image = _resize(source, geom, first_step=first_step and source is base)
        first_step = False
        if geom.full_frame and all(image is not r for r in reusable):
            reusable.append(image)
        yield i, image


def _upright(stored: Image.Image, ordered: Sequence[Geometry], orientation: int) -> tuple[Image.Image, bool]:
    """Apply the EXIF orientation. When every output is full-frame and smaller than the decode, resize to the
    largest output first (in stored orientation) and rotate that: rotating 16 MP costs ~45 ms, 5 MP ~4 ms.
    Returns the upright image and whether it is already the largest output."""
    method = TRANSPOSES[orientation]
    swaps = orientation in _SWAPS_AXES
    if ordered and all(g.full_frame for g in ordered):
        width, height = ordered[0].size
        target = (height, width) if swaps else (width, height)
        if target[0] < stored.width and target[1] < stored.height:
            flt = _first_step_filter(stored.size, target)
            return stored.resize(target, flt, reducing_gap=REDUCING_GAP).transpose(method), True
    return stored.transpose(method), False


def _first_step_filter(source: tuple[float, float], target: tuple[int, int]) -> Image.Resampling:
    factor = max(source[0] / target[0], source[1] / target[1])
    return FIRST_STEP_FILTER if FIRST_STEP_MIN_FACTOR <= factor < FIRST_STEP_MAX_FACTOR else FILTER


def _pick(reusable: list[Image.Image], geom: Geometry, base: Image.Image) -> Image.Image:
    """The smallest full-frame image with >= REUSE_GAP x the output's pixels in the region (else base)."""
    left, top, right, bottom = geom.region
    best = base
    for image in reusable:
        if geom.full_frame and image.size == geom.size:
            return image
        region_w, region_h = (right - left) * image.width, (bottom - top) * image.height
        ample = region_w >= REUSE_GAP * geom.size[0] and region_h >= REUSE_GAP * geom.size[1]
        if ample and image.width * image.height < best.width * best.height:
            best = image
    return best


def _resize(image: Image.Image, geom: Geometry, first_step: bool) -> Image.Image:
    if geom.full_frame and image.size == geom.size:
        return image
    left, top, right, bottom = geom.region
    box = (left * image.width, top * image.height, right * image.width, bottom * image.height)
    region = (box[2] - box[0], box[3] - box[1])
    flt = _first_step_filter(region, geom.size) if first_step else FILTER
    return image.resize(geom.size, flt, box=box, reducing_gap=REDUCING_GAP)
