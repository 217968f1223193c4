"""What an uploaded creative is, read from its bytes: type, size in pixels, duration, a thumbnail.

- The type: ``filetype`` (magic numbers) on the first bytes, as they arrive, so a
  renamed executable is refused before the rest is read.
- Images: Pillow (only its PNG, JPEG and WebP readers) for width/height, which
  reads the header only, and a small JPEG thumbnail for the console.
- Videos: PyAV (FFmpeg's demuxers and decoders) for duration and size from the
  container's header, and the first frame as the poster; a file that FFmpeg cannot
  open as the sniffed container is refused like any other unknown type.
"""
from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from pathlib import Path

import filetype
from PIL import Image

from ingest.errors import Unsupported

IMAGES = {"image/png": "PNG", "image/jpeg": "JPEG", "image/webp": "WEBP"}
VIDEOS = {"video/mp4": "mp4", "video/webm": "webm"}
ACCEPTED = "PNG, JPEG, WebP, MP4 or WebM"
SNIFF_BYTES = 4096  # filetype reads 261; WebM's doctype and MP4's brands sit within the first few dozen
THUMBNAIL = (320, 180)
MAX_PIXELS = 100_000_000  # Pillow's decompression-bomb guard, stated: a 10,000 x 10,000 banner is the most we take


@dataclass(frozen=True)
class Media:
    content_type: str
    width: int | None = None
    height: int | None = None
    duration_ms: int | None = None
    thumbnail: bytes | None = None  # JPEG


def sniff(head: bytes) -> str:
    """The accepted content type of these first bytes, or ``Unsupported``."""
    kind = filetype.guess(head)
    mime = kind.mime if kind else None
    if mime not in IMAGES and mime not in VIDEOS:
        found = f" (it looks like {mime})" if mime else ""
        raise Unsupported(f"The file is not a {ACCEPTED} file{found}", field="file")
    return mime


def inspect(path: Path, content_type: str) -> Media:
    """Open the whole file with the reader of its type: size, duration and thumbnail, or ``Unsupported``."""
    if content_type in IMAGES:
        return _image(path, content_type)
    return _video(path, content_type)


def _image(path: Path, content_type: str) -> Media:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path, formats=[IMAGES[content_type]]) as image:
                image.verify()  # PNG: every chunk's checksum (a decode alone takes zeros for pixels)
            with Image.open(path, formats=[IMAGES[content_type]]) as image:
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise Unsupported(f"The image is {width} x {height} pixels; at most {MAX_PIXELS:,} are taken",
                                      field="file")
                image.draft("RGB", (THUMBNAIL[0] * 2, THUMBNAIL[1] * 2))  # JPEG: decode at a reduced scale
                thumbnail = _thumbnail(image)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise Unsupported(f"The file is not a readable {IMAGES[content_type]} image: {exc}", field="file") from None
    return Media(content_type, width=width, height=height, thumbnail=thumbnail)


def _video(path: Path, content_type: str) -> Media:
    import av  # FFmpeg's libraries load on the first video, not with every process

    try:
        with av.open(str(path), format=VIDEOS[content_type]) as container:
            if not container.streams.video:
                raise Unsupported("The file has no video stream", field="file")
            stream = container.streams.video[0]
            duration_ms = container.duration // 1000 if container.duration else None
            poster = None
            for frame in container.decode(stream):
                poster = _thumbnail(frame.to_image())
                break
            return Media(content_type, width=stream.width or None, height=stream.height or None,
                         duration_ms=duration_ms, thumbnail=poster)
    except av.FFmpegError as exc:
        raise Unsupported(f"The file is not a readable {VIDEOS[content_type].upper()} video: {exc}",
                          field="file") from None


def _thumbnail(image: Image.Image) -> bytes:
    image = image.copy()
    image.thumbnail(THUMBNAIL)
    if image.mode in ("RGBA", "LA", "P"):
        image = image.convert("RGBA")
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image, mask=image.getchannel("A"))
        image = background
    elif image.mode != "RGB":
        image = image.convert("RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()
