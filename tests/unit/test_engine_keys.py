"""variant_key: where a variant of a source object is written."""

import pytest

from image_processor.engine import variant_key


@pytest.mark.parametrize(
    ("source_key", "suffix", "extension", "expected"),
    [
        ("uploads/2026/cat.jpg", "thumbnail", "jpg", "processed/2026/cat_thumbnail.jpg"),
        ("uploads/photo.jpg", "converted", "webp", "processed/photo_converted.webp"),
        ("uploads/a.b/c.tar.png", "half", "png", "processed/a.b/c.tar_half.png"),
        ("uploads/no-extension", "w640", "jpg", "processed/no-extension_w640.jpg"),
        ("uploads/sp ace+plus.JPG", "compressed", "jpg", "processed/sp ace+plus_compressed.jpg"),
    ],
)
def test_variant_key(source_key: str, suffix: str, extension: str, expected: str) -> None:
    assert variant_key(source_key, "uploads/", "processed/", suffix, extension) == expected


def test_other_prefixes_are_honoured() -> None:
    assert variant_key("in/x/y.gif", "in/", "out/v1/", "half", "png") == "out/v1/x/y_half.png"


def test_a_key_outside_the_source_prefix_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="not under the source prefix"):
        variant_key("elsewhere/cat.jpg", "uploads/", "processed/", "thumbnail", "jpg")
