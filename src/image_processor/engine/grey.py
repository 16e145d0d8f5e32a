"""High-bit-depth grey (16-bit, 32-bit int, 32-bit float) to 8-bit.

16-bit has a fixed scale, 0..65535. A 32-bit int or float image has none (floats are 0..1 by one convention,
physical units by another, signed ints anything), so its own range, min..max, becomes black..white. Float
NaN and infinities carry no value on that range: they are left out of it and render black.
"""

from PIL import Image, ImageMath


def to_grey8(image: Image.Image) -> Image.Image:
    if image.mode.startswith("I;16"):
        # Pillow's convert("L") clips at 255 instead of scaling; map 0..65535 to 0..255.
        return image.convert("I").point(lambda v: v * (1 / 257)).convert("L")
    if image.mode == "F":
        image, (low, high) = _without_non_finite(image)
    else:
        low, high = _extrema(image)
    if not low < high:
        # One value everywhere (or none at all): no range to stretch, and no division by zero.
        return Image.new("L", image.size, 0)
    scale = 255 / (high - low)
    offset = 0.5 - low * scale  # + 0.5: the conversion to L truncates, this rounds
    return image.point(lambda v: v * scale + offset).convert("L")


def _without_non_finite(image: Image.Image) -> tuple[Image.Image, tuple[float, float]]:
    """The image with NaN and +-inf replaced by its finite minimum, and its finite (min, max); in place.

    Pillow's getextrema() stops seeing NaN after the first pixel (and returns NaN if that pixel is one), and
    its float-to-8-bit conversion of NaN is undefined in C: both need the non-finite pixels out first.
    """
    # x - x is 0 where x is finite and NaN where it is NaN or infinite; NaN is the one value != itself.
    delta = ImageMath.lambda_eval(lambda a: a["x"] - a["x"], x=image)
    marked = ImageMath.lambda_eval(lambda a: a["d"] != a["d"], d=delta)
    del delta
    if _extrema(marked)[1] == 0:
        return image, _extrema(image)
    mask = marked.convert("L").point(lambda v: 255 if v else 0)
    del marked
    image.paste(float("inf"), mask=mask)
    low = _extrema(image)[0]
    image.paste(float("-inf"), mask=mask)
    high = _extrema(image)[1]
    image.paste(low if low <= high else 0.0, mask=mask)
    return image, (low, high)


def _extrema(image: Image.Image) -> tuple[float, float]:
    low, high = image.getextrema()  # one band: (min, max)
    assert isinstance(low, int | float) and isinstance(high, int | float)
    return float(low), float(high)
