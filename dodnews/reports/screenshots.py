"""Content-addressed screenshots beside the archive: `<dir>/<sha256>.png` plus `<sha256>.json`.

The JSON holds the page size and the boxes of the title and body paragraphs (page coordinates), so
a report can mark the region of a change on the picture without rendering the page again.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

from dodnews.archive.urls import resolve_archive_url, sqlite_path

_SHA_RE = re.compile(r"^[0-9a-f]{64}$")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def screenshots_dir(archive_url: str | None = None, configured: str | None = None) -> Path:
    """Where screenshots live: the setting, else `screenshots/` beside a SQLite archive file."""
    if configured:
        return Path(configured)
    try:
        path = sqlite_path(resolve_archive_url(archive_url))
    except Exception:  # a bad URL is reported by the archive itself
        path = None
    if path is not None:
        return path.parent / "screenshots"
    return Path("data/screenshots")


class ScreenshotStore:
    """PNG files named by the SHA-256 of their bytes; writing the same picture twice is free."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)

    def put(self, png: bytes, regions: dict[str, Any] | None = None) -> str:
        """Store one PNG (and its paragraph boxes); returns its hex SHA-256."""
        if not png.startswith(PNG_MAGIC):
            raise ValueError("not a PNG image")
        digest = hashlib.sha256(png).hexdigest()
        self.directory.mkdir(parents=True, exist_ok=True)
        target = self.path(digest)
        if not target.exists():
            _write_atomic(target, png)
        meta = target.with_suffix(".json")
        if regions is not None and not meta.exists():
            _write_atomic(meta, json.dumps(regions, sort_keys=True).encode("utf-8"))
        return digest

    def path(self, digest: str) -> Path:
        if not _SHA_RE.match(digest or ""):
            raise ValueError(f"not a screenshot hash: {digest!r}")
        return self.directory / f"{digest}.png"

    def get(self, digest: str) -> bytes | None:
        try:
            return self.path(digest).read_bytes()
        except (OSError, ValueError):
            return None

    def regions(self, digest: str) -> dict[str, Any] | None:
        """The page size and paragraph boxes stored with a screenshot, or None."""
        try:
            data = json.loads(self.path(digest).with_suffix(".json").read_text("utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def data_uri(self, digest: str) -> str | None:
        png = self.get(digest)
        if png is None:
            return None
        return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _write_atomic(target: Path, data: bytes) -> None:
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, target)


def _norm(text: str) -> str:
    return " ".join(str(text).split())[:300]


def find_region(regions: dict[str, Any] | None, texts: list[str]) -> dict[str, float] | None:
    """The box of the first paragraph whose text matches one of `texts`, as page fractions.

    Returns {"left", "top", "width", "height"} in percent of the page, or None when no stored box
    matches (the text is compared whitespace-collapsed, by its first 300 characters; a prefix of
    80 characters is accepted when a paragraph was cut).
    """
    if not regions or not texts:
        return None
    width = float(regions.get("width") or 0)
    height = float(regions.get("height") or 0)
    boxes = regions.get("boxes") or []
    if width <= 0 or height <= 0:
        return None
    wanted = [_norm(t) for t in texts if t and _norm(t)]
    for exact in (True, False):
        for want in wanted:
            for box in boxes:
                have = _norm(box.get("text", ""))
                if (have == want) if exact else (have[:80] == want[:80] and len(want) >= 20):
                    return {
                        "left": round(100 * box["x"] / width, 3),
                        "top": round(100 * box["y"] / height, 3),
                        "width": round(100 * box["width"] / width, 3),
                        "height": round(100 * box["height"] / height, 3),
                    }
    return None


def changed_texts(changes: list[Any], article: dict[str, Any] | None, side: str) -> list[str]:
    """The texts on one side ("old"/"new") of a change list, first change first, to mark."""
    texts: list[str] = []
    paragraphs = (article or {}).get("paragraphs") or []
    for change in changes:
        index = (change.location or {}).get(f"{side}_index")
        if change.field == "paragraphs" and isinstance(index, int) and index < len(paragraphs):
            texts.append(paragraphs[index])
        value = change.before if side == "old" else change.after
        if isinstance(value, str) and len(value) >= 3:
            texts.append(value)
    return texts


def report_screenshots(
    store: ScreenshotStore,
    old_hash: str | None,
    new_hash: str | None,
    changes: list[Any],
    old_article: dict[str, Any] | None = None,
    new_article: dict[str, Any] | None = None,
    labels: tuple[str, str] = ("before", "after"),
) -> dict[str, Any] | None:
    """`{label: {"src": data URI, "mark": box or None}}` for a report, or None without pictures."""
    shots: dict[str, Any] = {}
    for label, digest, side, article in (
        (labels[0], old_hash, "old", old_article),
        (labels[1], new_hash, "new", new_article),
    ):
        if not digest:
            continue
        src = store.data_uri(digest)
        if src is None:
            continue
        mark = find_region(store.regions(digest), changed_texts(changes, article, side))
        shots[label] = {"src": src, "mark": mark, "sha256": digest}
    return shots or None
