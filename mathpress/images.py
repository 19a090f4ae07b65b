"""Images: a cover's source file → resized WebP and original-format variants, cached on disk.

Variants are made once per source content and width (never upscaled) and kept under
.mathpress-cache/images/; the output plan points at the cached files, so an unchanged
cover costs a hash and a stat on the next build.

An image is fully decoded once, when it is first seen (at 1/8 scale for JPEG, so it is cheap):
a truncated or damaged file, or one with more pixels than Pillow's decompression-bomb limit,
is an ImageError, which the build reports against the post that uses it.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from .cache import CACHE_DIR, write_atomic

if TYPE_CHECKING:
    from PIL import Image

RESIZABLE = {"JPEG": ("jpg", "image/jpeg"), "PNG": ("png", "image/png"), "WEBP": ("webp", "image/webp")}
QUALITY = 82


class ImageError(Exception):
    """An image that cannot be published: the message says why, without naming the file."""


@dataclass(frozen=True)
class Variant:
    """One resized copy: where it is published and its size."""

    out: str
    width: int
    mime: str


@dataclass(frozen=True)
class Picture:
    """What a template needs to show an image responsively."""

    width: int
    height: int
    mime: str
    variants: tuple[Variant, ...]


def cover_picture(
    source: Path, out: str, widths: tuple[int, ...], cache_root: Path | None, known: str | None = None
) -> tuple[Picture, dict[str, Path], str]:
    """Plan the variants of one image: its Picture, {output path: cached file}, its digest.

    `known` is the file's digest when its size and time show it unchanged since the last build.
    """
    digest = known or hashlib.sha256(source.read_bytes()).hexdigest()
    folder = (cache_root or Path(tempfile.gettempdir()) / "mathpress-images") / CACHE_DIR / "images" / digest[:2]
    meta = _image_facts(source, folder / f"{digest}-checked.json")  # -checked: decoded once (older records were not)
    if meta is None:
        return Picture(0, 0, "", ()), {}, digest
    width, height, kind = meta
    if kind not in RESIZABLE:
        return Picture(width, height, "", ()), {}, digest
    files: dict[str, Path] = {}
    variants: list[Variant] = []
    wanted: list[tuple[int, str, Path]] = []
    stem = PurePosixPath(out)
    for target in sorted({w for w in widths if w < width}):
        for ext, mime in sorted({RESIZABLE[kind], ("webp", "image/webp")}):
            made = folder / f"{digest}-{target}.{ext}"
            rel = str(stem.with_name(f"{stem.stem}-{target}w.{ext}"))
            files[rel] = made
            variants.append(Variant(rel, target, mime))
            if not made.exists():
                wanted.append((target, ext, made))
    _make_variants(source, wanted)
    ordered = tuple(sorted(variants, key=lambda v: (v.mime, v.width)))
    return Picture(width, height, RESIZABLE[kind][1], ordered), files, digest


def _image_facts(source: Path, record: Path) -> tuple[int, int, str] | None:
    """Width, height and format of an image, checked by decoding it once (remembered per content hash).

    None for a format Pillow does not read (SVG…): it is published as it is.
    """
    try:
        width, height, kind = json.loads(record.read_text())
        return int(width), int(height), str(kind)
    except (OSError, ValueError, TypeError):
        pass
    from PIL import Image, UnidentifiedImageError  # Pillow, loaded when an image is new to the cache

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(source) as image:
                facts = (image.width, image.height, image.format or "")
                _decode(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        limit = Image.MAX_IMAGE_PIXELS
        raise ImageError(f"has more than {limit} pixels (a decompression bomb?); use a smaller image") from None
    except UnidentifiedImageError:
        if source.suffix.lower() not in Image.registered_extensions():
            return None
        raise ImageError("cannot be read as an image: it is damaged, or not the format its name says") from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:  # Pillow's readers raise all of these
        raise ImageError(f"is truncated or damaged: {exc}") from None
    write_atomic(record, json.dumps(facts).encode())
    return facts


def _decode(image: Image.Image) -> None:
    """Decode every pixel (JPEG at 1/8 scale): truncated and damaged files fail here, not in the browser."""
    if image.format == "JPEG":
        image.draft("RGB", (max(1, image.width // 8), max(1, image.height // 8)))
    image.load()


def _make_variants(source: Path, wanted: list[tuple[int, str, Path]]) -> None:
    """Make resized copies (width, extension, file) from one decoding of the source."""
    if not wanted:
        return
    from PIL import Image

    largest = max(width for width, _, _ in wanted)
    with Image.open(source) as image:
        if image.format == "JPEG" and largest * 2 <= image.width:
            image.draft("RGB", (largest, round(image.height * largest / image.width)))  # decode at 1/2, 1/4…
        decoded = image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB")
    for width in sorted({w for w, _, _ in wanted}, reverse=True):
        height = round(decoded.height * width / decoded.width)
        resized = decoded.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=2.0)
        for _, ext, target in [w for w in wanted if w[0] == width]:
            _save(resized.convert("RGB") if ext == "jpg" else resized, target, ext)


def _save(image: Image.Image, target: Path, ext: str) -> None:
    """Encode one copy atomically (a half-written file never appears)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=target.parent, suffix=f".{ext}")
    os.close(handle)
    save_format = {"jpg": "JPEG", "png": "PNG", "webp": "WEBP"}[ext]
    # optimize: JPEG's Huffman tables (cheap); not PNG's search of every setting, 14x slower for 5% smaller
    # (a 960 px RGBA cover: 2.2 s against 0.16 s), and the browsers that take the PNG over the WebP are few
    image.save(temp, save_format, quality=QUALITY, optimize=ext == "jpg")
    os.replace(temp, target)
