"""Scope strings of the queries (``platform``, ``station:3``, ``driver:7``, ``device:2``)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from analytics import keys
from analytics.errors import Invalid

_SCOPE = re.compile(r"^(platform|(station|driver|device):([1-9][0-9]{0,9}))$")
MAX_ID = 2**31 - 1


@dataclass(frozen=True)
class Scope:
    kind: str  # platform | station | driver | device
    id: int | None = None

    @property
    def name(self) -> str:
        return self.kind if self.id is None else f"{self.kind}:{self.id}"

    @property
    def tag(self) -> str:
        """The Redis hash tag (``p``, ``s:3``...)."""
        return keys.scope_of(self.kind, self.id)


def parse(value: str | Scope, field: str = "scope") -> Scope:
    if isinstance(value, Scope):
        return value
    match = _SCOPE.match(value or "")
    if not match or (match.group(3) and int(match.group(3)) > MAX_ID):
        raise Invalid("must be platform, station:<id>, driver:<id> or device:<id>", field=field)
    return Scope("platform") if match.group(1) == "platform" else Scope(match.group(2), int(match.group(3)))


def check_choice(value: str, choices, field: str) -> str:
    if value not in choices:
        raise Invalid(f"must be one of {', '.join(choices)}", field=field)
    return value


def check_range(value: int, low: int, high: int, field: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise Invalid(f"must be a whole number from {low} to {high}", field=field)
    return value
