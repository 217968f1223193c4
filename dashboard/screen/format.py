"""Display formatting: money stays integer fen until it is shown."""
from __future__ import annotations

from datetime import datetime


def money(fen: int | None) -> str:
    """``123456`` → ``¥1,234.56`` (the only place fen become yuan for people)."""
    fen = int(fen or 0)
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}¥{yuan:,}.{cents:02d}"


def money_short(fen: int | None) -> str:
    """Chart labels: ``¥12.3k`` keeps seven bars readable from across the room."""
    yuan = int(fen or 0) / 100
    if abs(yuan) >= 1_000_000:
        return f"¥{yuan / 1_000_000:.1f}M"
    if abs(yuan) >= 10_000:
        return f"¥{yuan / 1000:.1f}k"
    return f"¥{yuan:,.0f}"


def count(value: int | None) -> str:
    return f"{int(value or 0):,}"


def clock(moment: datetime) -> str:
    return moment.strftime("%H:%M:%S")
