"""Resize every variant from one decoded image: largest first, each from the smallest copy that covers it."""

from collections.abc import Iterator, Sequence

from PIL import Image

from image_processor.engine.geometry import Geometry

# Each variant is resized from the smallest already-made full-frame image that still covers it (1920 -> 1280
# -> 640 -> 150, not four resizes of the whole decode): fewer source pixels per resize, and within 0.5 dB PSNR
# of resizing each from the full-resolution original (measured, docs/benchmarks.md).
REUSE_GAP = 1.0
# resize() first box-reduces by an integer factor down to this multiple of the output, then runs Lanczos.
REDUCING_GAP = 3.0


def resized(base: Image.Image, geometries: Sequence[Geometry]) -> Iterator[tuple[int, Image.Image]]:
    """(index, image) for every geometry, largest output first. Outputs of the base's size are the base itself
    (no copy); images are shared between variants of the same geometry, so callers must not modify them."""
    order = sorted(range(len(geometries)), key=lambda i: -geometries[i].size[0] * geometries[i].size[1])
    reusable = [base]
    for i in order:
        geom = geometries[i]
        image = _resize(_pick(reusable, geom, base), geom)
        if geom.full_frame and all(image is not r for r in reusable):
            reusable.append(image)
        yield i, image


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


def _resize(image: Image.Image, geom: Geometry) -> Image.Image:
    if geom.full_frame and image.size == geom.size:
        return image
    left, top, right, bottom = geom.region
    box = (left * image.width, top * image.height, right * image.width, bottom * image.height)
    return image.resize(geom.size, Image.Resampling.LANCZOS, box=box, reducing_gap=REDUCING_GAP)
