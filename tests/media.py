"""Small real files of every type a creative may be, made here (Pillow, PyAV), plus impostors."""
from __future__ import annotations

import io
from functools import cache

import av
import numpy as np
from PIL import Image

# An ELF executable's first bytes: what a renamed binary starts with.
EXECUTABLE = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + bytes(range(256)) * 40


def image(fmt: str, size=(640, 360), color=(220, 40, 40)) -> bytes:
    picture = Image.new("RGB", size, color)
    for x in range(0, size[0], 40):  # some detail, so the encoders have something to keep
        picture.paste((255, 255, 255), (x, 0, x + 4, size[1]))
    out = io.BytesIO()
    picture.save(out, fmt)
    return out.getvalue()


@cache
def video(fmt: str, seconds: float = 2.0, size=(320, 180), fps: int = 6) -> bytes:
    """An MP4 (MPEG-4 part 2) or WebM (VP8) clip of ``seconds`` (few frames: libvpx is slow to encode)."""
    out = io.BytesIO()
    with av.open(out, "w", format=fmt) as container:
        stream = container.add_stream("mpeg4" if fmt == "mp4" else "libvpx", rate=fps)
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
        if fmt == "webm":
            stream.options = {"deadline": "realtime", "cpu-used": "8", "lag-in-frames": "0"}
        for i in range(int(seconds * fps)):
            frame = np.zeros((size[1], size[0], 3), np.uint8)
            frame[:, : (i * 7) % size[0]] = (30, 120, 220)
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return out.getvalue()


SAMPLES = {  # content type -> bytes maker
    "image/png": lambda: image("PNG"),
    "image/jpeg": lambda: image("JPEG"),
    "image/webp": lambda: image("WEBP"),
    "video/mp4": lambda: video("mp4"),
    "video/webm": lambda: video("webm"),
}
