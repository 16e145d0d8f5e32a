"""A JPEG's marker structure, read without decoding: its scans and its frame's sampling.

libjpeg decodes every scan it finds, and each progressive scan is a pass over the whole image's coefficients,
so a file that repeats one tiny scan thousands of times costs minutes of CPU in a few hundred KB. Counting the
SOS markers first bounds that before any decode.

The walk follows segment lengths (an APPn or COM body may hold any bytes, an embedded EXIF thumbnail's SOS
among them) and, after each SOS, skips the entropy-coded data to the next real marker: in that data a 0xFF is
always followed by 0x00 (byte stuffing), a restart marker (0xD0-0xD7) or another 0xFF (fill), so the first
0xFF followed by anything else ends it. Each step moves forward, so the walk is linear in the file size. It
stops at the first EOI: what follows (an MPO's further frames, trailing data) is never decoded.

It also stops after MAX_SEGMENTS segments, which no camera or encoder writes (a 50 MiB file of 64 KiB metadata
segments has ~800): a file of tiny segments would otherwise cost this walk a Python step per 4 bytes, and
Pillow's own header parser (Python too) 13 s of CPU for 50 MiB of empty comments (measured).
"""

import re
from dataclasses import dataclass

# Start-of-frame markers: 0xC0-0xCF but DHT (0xC4), JPG (0xC8) and DAC (0xCC). Progressive: SOF2, 6, 10, 14.
_SOF = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})
_PROGRESSIVE = frozenset({0xC2, 0xC6, 0xCA, 0xCE})
_SOS, _EOI = 0xDA, 0xD9
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})  # TEM and RST0-7 carry no length
_END_OF_ENTROPY_DATA = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")
MAX_SEGMENTS = 65_536


@dataclass(frozen=True)
class JpegLayout:
    scans: int  # SOS markers of the first image (of the first MAX_SEGMENTS segments if not `complete`)
    # Whole-image coefficient buffers: libjpeg keeps one for a progressive frame, or a sequential one whose
    # components come in separate scans.
    buffered: bool
    sampling: tuple[tuple[int, int], ...]  # (horizontal, vertical) factor per component of the first frame
    complete: bool = True  # False: the walk stopped at MAX_SEGMENTS


def layout(data: bytes) -> JpegLayout:
    """Scans of the first image in `data` and its frame's sampling factors (empty if no frame was found)."""
    pos, end = 2, len(data)
    scans, segments, progressive = 0, 0, False
    sampling: tuple[tuple[int, int], ...] = ()
    while pos + 4 <= end:
        if segments == MAX_SEGMENTS:
            return JpegLayout(scans, progressive or scans > 1, sampling, complete=False)
        if data[pos] != 0xFF:
            # Junk between segments: libjpeg skips to the next marker (with a warning), so does the count.
            found = _END_OF_ENTROPY_DATA.search(data, pos)
            if found is None:
                break
            pos = found.start()
            continue
        marker = data[pos + 1]
        if marker == 0xFF:
            pos += 1
            continue
        if marker == _EOI:
            break
        if marker in _STANDALONE:
            pos += 2
            continue
        segments += 1
        segment_end = pos + 2 + int.from_bytes(data[pos + 2 : pos + 4], "big")
        if marker in _SOF and not sampling:
            progressive = marker in _PROGRESSIVE
            sampling = _sampling(data[pos + 4 : segment_end])
        if marker != _SOS:
            pos = segment_end
            continue
        scans += 1
        found = _END_OF_ENTROPY_DATA.search(data, segment_end)
        if found is None:
            break
        pos = found.start()
    return JpegLayout(scans, progressive or scans > 1, sampling)


def _sampling(frame: bytes) -> tuple[tuple[int, int], ...]:
    # P (1), Y (2), X (2), Nf (1), then per component: id, H<<4 | V, table.
    if len(frame) < 6:
        return ()
    factors = [frame[7 + 3 * i] for i in range(frame[5]) if 7 + 3 * i < len(frame)]
    return tuple((max(1, f >> 4), max(1, f & 0x0F)) for f in factors)
