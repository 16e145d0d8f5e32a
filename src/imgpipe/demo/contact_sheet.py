"""`build/demo/index.html`: each source beside its variants (size, dimensions, processing time), then the
rejected and failed uploads with their reasons. Self-contained: every image it shows sits next to it."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any
from urllib.parse import quote

# Formats a browser shows; other sources (TIFF, ...) are shown by their first variant instead.
BROWSER_FORMATS = {"JPEG", "PNG", "GIF", "WEBP", "MPO", "AVIF", "BMP"}

_CSS = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; background: #fafafa; }
h1 { margin: 0 0 4px; } .meta { color: #666; margin-bottom: 16px; }
.counts span { display: inline-block; margin-right: 16px; padding: 4px 10px; border-radius: 4px;
  background: #eee; }
.counts .ok { background: #d7f5dd; } .counts .bad { background: #fde2cf; }
.counts .lost { background: #f8c9c9; }
.row { display: flex; gap: 12px; align-items: flex-start; background: #fff; border: 1px solid #ddd;
       border-radius: 6px; padding: 10px; margin: 12px 0; overflow-x: auto; }
.card { flex: 0 0 auto; width: 190px; font-size: 12px; }
.card.source { width: 230px; border-right: 2px solid #ccc; padding-right: 12px; }
.thumb { height: 150px; display: flex; align-items: center; justify-content: center;
         background: repeating-conic-gradient(#e5e5e5 0% 25%, #fff 0% 50%) 50% / 16px 16px; }
.thumb img { max-width: 100%; max-height: 150px; }
.name { font-weight: 600; word-break: break-all; } .dim { color: #555; word-break: break-all; }
table.rejected { border-collapse: collapse; background: #fff; } table.rejected td, table.rejected th {
  border: 1px solid #ddd; padding: 6px 10px; text-align: left; }
.status-FAILED, .status-LOST { color: #b00; font-weight: 600; }
"""


def _size(n: Any) -> str:
    if not isinstance(n, int | float):
        return "?"
    for unit in ("B", "KB", "MB"):
        if n < 1024 or unit == "MB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"


def _card(image: str | None, title: str, lines: list[str], css: str = "card") -> str:
    thumb = (
        # A relative URL: upload names may hold %, # or ? (quote keeps the path's slashes).
        f'<img src="{html.escape(quote(image))}" loading="lazy" alt="{html.escape(title)}">'
        if image
        else "no preview"
    )
    body = "".join(f'<div class="dim">{html.escape(line)}</div>' for line in lines)
    name = f'<div class="name">{html.escape(title)}</div>'
    return f'<div class="{css}"><div class="thumb">{thumb}</div>{name}{body}</div>'


def render_page(report: dict[str, Any], images: dict[str, str], title: str = "imgpipe demo") -> str:
    """`images` maps S3 keys (sources and variants) to paths relative to the page."""
    counts = (
        f'<span class="ok">processed {report["processed"]}</span>'
        f'<span class="bad">rejected {report["rejected"]}</span>'
        f'<span class="bad">dead-lettered {report["dead_lettered"]}</span>'
        f'<span class="lost">lost {report["lost"]}</span>'
        f"<span>inputs {report['inputs']}</span>"
    )
    rows = []
    for item in report["items"]:
        if item["status"] != "PROCESSED":
            continue
        source = item.get("source") or {}
        source_image = images.get(item["key"]) if source.get("format") in BROWSER_FORMATS else None
        variants = item["variants"]
        cards = [
            _card(
                source_image or (images.get(variants[0]["key"]) if variants else None),
                item["key"],
                [
                    f"source {source.get('format')} {source.get('width')}\u00d7{source.get('height')}",
                    f"{_size(source.get('bytes'))} · rendered in {item.get('duration_ms')} ms",
                ],
                "card source",
            )
        ]
        cards += [
            _card(
                images.get(v["key"]),
                f"{v['name']} ({v['format']})",
                [f"{v['width']}\u00d7{v['height']} · {_size(v['bytes'])}", v["key"]],
            )
            for v in variants
        ]
        rows.append(f'<div class="row">{"".join(cards)}</div>')
    others = [i for i in report["items"] if i["status"] != "PROCESSED"]
    rejected = "".join(
        f'<tr><td>{html.escape(i["key"])}</td><td class="status-{i["status"]}">{i["status"]}</td>'
        f"<td>{html.escape(i.get('reason') or '')}</td></tr>"
        for i in others
    )
    rejected_table = (
        '<h2>Not processed</h2><table class="rejected">'
        "<tr><th>upload</th><th>status</th><th>reason</th></tr>"
        f"{rejected}</table>"
        if others
        else ""
    )
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"<style>{_CSS}</style></head><body><h1>{html.escape(title)}</h1>"
        f'<div class="meta">S3 → SQS → Lambda (local event source mapping) on the local emulator, '
        f"in {report.get('elapsed_seconds', 0):.1f} s</div>"
        f'<div class="counts">{counts}</div><h2>Processed</h2>{"".join(rows)}{rejected_table}</body></html>'
    )


def write_page(report: dict[str, Any], images: dict[str, str], out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_page(report, images), encoding="utf-8")
    return out
