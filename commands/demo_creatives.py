"""The demo ads' creatives, drawn at seed time (Pillow, and PyAV for one short H.264 clip): no downloads.

Each goes through the upload use case (``ingest.creatives.add_creative``), so the demo's
files are typed, measured, thumbnailed and stored exactly as an admin's upload would be.
"""
from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFont

PALETTE = [(14, 165, 233), (234, 88, 12), (22, 163, 74), (147, 51, 234), (220, 38, 38), (2, 132, 199),
           (202, 138, 4), (219, 39, 119)]
SIZE = (1280, 720)


def _latin(text: str) -> str:
    """The Latin half of a bilingual title ("元气森林 Genki Summer" -> "Genki Summer"): Pillow's bundled font has no CJK."""
    words = [w for w in text.split() if w.isascii()]
    return " ".join(words) or text


def banner(title: str, advertiser: str, index: int, variant: int = 0) -> bytes:
    base = PALETTE[index % len(PALETTE)]
    image = Image.new("RGB", SIZE, base)
    draw = ImageDraw.Draw(image)
    for y in range(SIZE[1]):  # a vertical gradient to black
        shade = tuple(int(c * (1 - 0.55 * y / SIZE[1])) for c in base)
        draw.line([(0, y), (SIZE[0], y)], fill=shade)
    draw.ellipse((SIZE[0] - 420 + variant * 60, -160, SIZE[0] + 180, 440), fill=tuple(min(255, c + 60) for c in base))
    draw.text((80, 250), _latin(title), fill="white", font=ImageFont.load_default(size=84))
    draw.text((84, 370), _latin(advertiser), fill=(226, 232, 240), font=ImageFont.load_default(size=44))
    draw.text((84, 620), "BuyFree in-car ads", fill=(203, 213, 225), font=ImageFont.load_default(size=30))
    out = io.BytesIO()
    image.save(out, "WEBP" if variant else "JPEG", quality=85)
    return out.getvalue()


def clip(title: str, index: int, seconds: int = 4, fps: int = 24) -> bytes:
    """A short MP4 (H.264, x264's fastest preset: a second to make): the banner with a bar sweeping across it."""
    import av
    import numpy as np

    still = np.asarray(Image.open(io.BytesIO(banner(title, "", index))).convert("RGB").resize((640, 360)))
    out = io.BytesIO()
    with av.open(out, "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 640, 360, "yuv420p"
        stream.options = {"preset": "ultrafast", "crf": "28"}
        for n in range(seconds * fps):
            frame = still.copy()
            x = int(n / (seconds * fps) * 640)
            frame[340:352, :x] = (255, 255, 255)
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return out.getvalue()


def seed_creatives(store, ads) -> int:
    """Two banners for every ad and a clip for the first: ``ads`` are Ad rows."""
    from ingest.creatives import add_creative

    limit, made = store.settings.creative_max_bytes, 0
    for index, ad in enumerate(ads):
        files = [banner(ad.title, ad.advertiser, index), banner(ad.title, ad.advertiser, index, variant=1)]
        if index == 0:
            files.insert(0, clip(ad.title, index))
        for data in files:
            add_creative(store, ad.id, [data], limit)
            made += 1
    return made
