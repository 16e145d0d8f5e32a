"""Output geometry in the coordinates of the upright (orientation-applied) source. Pure arithmetic."""

from dataclasses import dataclass

from image_processor.engine.specs import VariantSpec


@dataclass(frozen=True)
class Geometry:
    """`size` is the output; `region` the part of the source it shows (fractions of width/height, l t r b)."""

    size: tuple[int, int]
    region: tuple[float, float, float, float] = (0.0, 0.0, 1.0, 1.0)

    @property
    def full_frame(self) -> bool:
        return self.region == (0.0, 0.0, 1.0, 1.0)

    def scaled_source(self, width: int, height: int) -> tuple[float, float]:
        """How big the whole source must be decoded so that `region` yields `size` without upscaling."""
        left, top, right, bottom = self.region
        return self.size[0] / (right - left), self.size[1] / (bottom - top)


def _fit(width: int, height: int, ratio: float) -> tuple[int, int]:
    # Half rounds up (not Python's round-half-even): 800x600 at width 190 is 190x143, as most tools make it.
    return max(1, int(width * ratio + 0.5)), max(1, int(height * ratio + 0.5))


def geometry(spec: VariantSpec, width: int, height: int) -> Geometry:
    """Where the spec's box meets a `width` x `height` source. Never larger than the source."""
    if spec.scale is not None:
        return Geometry(_fit(width, height, min(spec.scale, 1.0)))
    if spec.width is None and spec.height is None:
        return Geometry((width, height))
    if spec.fit == "cover" and spec.width is not None and spec.height is not None:
        box_w, box_h = spec.width, spec.height
        ratio = max(box_w / width, box_h / height)
        if ratio >= 1:
            # Smaller than the box on one side: crop what exceeds the box, scale nothing.
            size = (min(box_w, width), min(box_h, height))
        else:
            size = (box_w, box_h)
            ratio_w, ratio_h = box_w / ratio, box_h / ratio
            left, top = (width - ratio_w) / 2 / width, (height - ratio_h) / 2 / height
            return Geometry(size, (left, top, 1 - left, 1 - top))
        left, top = (width - size[0]) / 2 / width, (height - size[1]) / 2 / height
        return Geometry(size, (left, top, 1 - left, 1 - top))
    ratios = [1.0]
    if spec.width is not None:
        ratios.append(spec.width / width)
    if spec.height is not None:
        ratios.append(spec.height / height)
    ratio = min(ratios)
    return Geometry((width, height) if ratio >= 1 else _fit(width, height, ratio))
