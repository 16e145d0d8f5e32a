"""HEIC/HEIF sources (what iPhones save): pillow-heif's Pillow opener, registered the first time one arrives.

Importing pillow-heif loads libheif, libde265 and libx265 (~80 ms): a cold start that sees no HEIF never
pays it. `render_isolated` registers it in the parent before forking, so each render's child inherits it.

What the opener does, and why these options:
- libheif applies the file's own transforms (`irot`, `imir`, `clap`) at decode and the opener resets the
  EXIF orientation to 1 (iPhones write both; the HEIF specification says the transforms win), so the
  engine's EXIF step finds nothing left to do: orientation is applied exactly once.
- The primary image is the one decoded (a burst or sequence opens at its primary, not its first frame).
- No thumbnails: with them, `draft` may decode an embedded thumbnail instead of the image, and a hostile
  file's thumbnail need not show the same picture. No depth or auxiliary images: nothing renders them.
- The size the opener reports comes from the container (`ispe`, after transforms): the pixel and memory
  limits are checked before libheif decodes anything. libheif's own security limits stay on.
"""

from functools import cache

# The major brands pillow-heif's opener accepts (HEVC-coded images and sequences, and the generic MIAF
# brands). AVIF shares the container; Pillow's own AVIF plugin opens it.
HEIF_BRANDS = frozenset(
    {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1", b"msf1"}
)
PLUGIN_ID = "HEIF"


def is_heif(data: bytes) -> bool:
    """Whether the bytes start as a file pillow-heif's opener would accept."""
    return data[4:8] == b"ftyp" and data[8:12] in HEIF_BRANDS


def prepare(data: bytes) -> None:
    """Register the opener if `data` is HEIF and it is not registered yet."""
    if is_heif(data):
        register()


@cache
def register() -> None:
    """Register the opener once per process (idempotent)."""
    import pillow_heif  # noqa: PLC0415 - deliberately lazy, see the module docstring

    pillow_heif.register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)


def registered() -> bool:
    return register.cache_info().currsize > 0
