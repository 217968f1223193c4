"""Send a wall's slot only when what it shows has changed.

Every tick asks for every slot, but on most ticks a list or the chart is the
same as before; sending it anyway makes the browser rebuild it (and Dash's
renderer re-run its bookkeeping for every component on the page). The
browser keeps a digest of each slot it shows (``ids.SHOWN``); a slot whose
digest matches is answered with ``no_update``, so an unchanged wall costs the
browser almost nothing between sales.
"""
from __future__ import annotations

import hashlib

from dash import Patch, no_update
from plotly.io.json import to_json_plotly


def digest(value) -> str:
    return hashlib.blake2b(to_json_plotly(value).encode(), digest_size=12).hexdigest()


def only_changed(slots: list[tuple[str, object, object]], shown: dict | None):
    """``slots``: (name, value to send, what identifies it; None: the value itself). Returns the values
    (``no_update`` where unchanged) and a Patch of the browser's digests (``no_update`` when none changed)."""
    shown, patch, values, changed = shown or {}, Patch(), [], False
    for name, value, identity in slots:
        if value is no_update:
            values.append(no_update)
            continue
        mark = digest(value if identity is None else identity)
        if shown.get(name) == mark:
            values.append(no_update)
            continue
        values.append(value)
        patch[name] = mark
        changed = True
    return values, (patch if changed else no_update)
