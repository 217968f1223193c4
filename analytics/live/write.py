"""One run of ``lua/apply.lua``: the writes of one scope, encoded for the script.

A ``Write`` holds the keys the run touches (KEYS[4..]), their expiry and
period, which of them are counted figures (replaced by a rebuild), the
increments summed per figure and the other operations (bits, positions,
ticker entries), and the messages to publish. ``spec`` is the JSON the
script reads; ``docs/internals.md`` describes it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import orjson

from analytics import periods

RECENT = 50  # ticker entries kept per scope


@dataclass
class Write:
    """The writes of one scope for one event, or for a group of events applied as one
    (``events``: their ids; increments of the same figure are summed)."""
    scope: str
    keys: list[str] = field(default_factory=list)
    meta: list[tuple[int, str | None, str | None]] = field(default_factory=list)  # (expire-at, period, pkey)
    counted: list[bool] = field(default_factory=list)
    events: list[int] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    _sums: dict[tuple, int] = field(default_factory=dict, repr=False)  # (op, key index, member) -> delta
    _other: list[list] = field(default_factory=list, repr=False)  # bits, positions, ticker entries
    _index: dict[str, int] = field(default_factory=dict, repr=False)

    def key(self, name: str, bucket: str | None = None, tz=None, counted: bool = False) -> int:
        """Index (in the script's KEYS) of ``name``; ``bucket`` gives its period and expiry."""
        index = self._index.get(name)
        if index is not None:
            return index
        self.keys.append(name)
        self.meta.append(_bucket_meta(bucket, tz) if bucket is not None else (0, None, None))
        self.counted.append(counted)
        self._index[name] = len(self.keys) + 3  # KEYS[1..3]: dedupe, generation, registry
        return self._index[name]

    def hincr(self, index: int, fld: str, delta: int) -> None:
        self._sums[("h", index, fld)] = self._sums.get(("h", index, fld), 0) + delta

    def zincr(self, index: int, member, delta: int) -> None:
        member = str(member)
        self._sums[("z", index, member)] = self._sums.get(("z", index, member), 0) + delta

    def add(self, op: list) -> None:
        self._other.append(op)

    @property
    def ops(self) -> list[list]:
        """``[op, key index, member, delta]`` increments (none that sum to zero), then the other ops;
        of a group's ticker entries only the last ``RECENT`` of each list (the rest would be trimmed),
        of its positions only each driver's newest."""
        out = [[c, index, member, str(delta)] for (c, index, member), delta in self._sums.items() if delta]
        pushes: dict[int, int] = {}
        newest: dict[tuple, int] = {}  # (geo key, member) -> position of the newest point
        for n, op in enumerate(self._other):
            if op[0] == "l":
                pushes[op[1]] = pushes.get(op[1], 0) + 1
            elif op[0] == "g":
                last = newest.get((op[1], op[2]))
                if last is None or int(self._other[last][6]) <= int(op[6]):
                    newest[(op[1], op[2])] = n
        kept: dict[int, int] = {}
        for n, op in enumerate(self._other):
            if op[0] == "l":
                kept[op[1]] = kept.get(op[1], 0) + 1
                if kept[op[1]] <= pushes[op[1]] - RECENT:
                    continue
            elif op[0] == "g" and newest[(op[1], op[2])] != n:
                continue
            out.append(op)
        return out

    def spec(self, replaced=None, dedupe: list[int] = ()) -> str:
        """The script's JSON; ``replaced(period, pkey)`` tells which counted keys a rebuild replaces;
        ``dedupe``: the KEYS indices of a group's further dedupe keys."""
        entries = []
        for i, ((at, period, pkey), counted) in enumerate(zip(self.meta, self.counted)):
            swapped = bool(counted and replaced is not None and replaced(period, pkey))
            if at or counted or swapped:
                entries.append([i + 4, at, int(counted), int(swapped)])
        return orjson.dumps({"ops": self.ops, "keys": entries, "d": list(dedupe)}).decode()


@lru_cache(maxsize=4096)
def _bucket_meta(bucket: str, tz) -> tuple[int, str, str | None]:
    """(expire-at, period, period key) of a bucket such as ``week:2026-W48``: the same for every event of the day."""
    period, _, pkey = bucket.partition(":")
    return periods.expire_at(period, pkey or "total", tz) or 0, period, pkey or None
