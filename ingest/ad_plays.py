"""Ad plays reported by devices (idempotent, a whole batch or nothing)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cached_property

from sqlalchemy import select, text

from ingest import lookups
from store import outbox
from ingest.errors import Invalid
from ingest.settlement import ClaimFirstSettlement, Outcome, settle_one
from ingest.timing import check_event_time, iso, utcnow
from store.models import Ad, Creative

_INSERT = text(
    "INSERT INTO ad_plays (played_at, ad_id, device_id, driver_id, duration_ms, creative_id) "
    "SELECT t, a, :device, :driver, d, c FROM unnest(CAST(:t AS timestamptz[]), CAST(:ad AS int[]), "
    "CAST(:d AS int[]), CAST(:c AS int[])) AS u(t, a, d, c)")


@dataclass(frozen=True)
class Play:
    ad_id: int
    played_at: datetime
    duration_ms: int
    creative_id: int | None = None


@dataclass(frozen=True)
class AdPlaysRequest:
    key: str
    plays: tuple[Play, ...]

    @cached_property
    def digest(self) -> str:
        from ingest.idempotency import request_hash

        # A play without a creative hashes as it did before creatives existed (stored keys still replay).
        return request_hash([[p.ad_id, p.played_at.astimezone(timezone.utc).isoformat(), p.duration_ms]
                             + ([p.creative_id] if p.creative_id is not None else []) for p in self.plays])


@dataclass(frozen=True)
class _Checked:
    request: AdPlaysRequest


class AdPlaySettlement(ClaimFirstSettlement):
    """Not money yet (ad revenue would be a strategy of its own): rows and one event."""
    kind = "ad_plays"

    def __init__(self, store, device_id: int, driver_id: int, now: datetime | None = None):
        self.store, self.device_id, self.driver_id, self.now = store, device_id, driver_id, now or utcnow()

    def prepare(self, request: AdPlaysRequest) -> _Checked:
        for index, play in enumerate(request.plays):
            check_event_time(play.played_at, f"plays[{index}].played_at", self.store.settings, self.now)
        return _Checked(request)

    def write(self, session, prepared: list[_Checked]) -> tuple[dict, list]:
        bodies, events = {}, []
        for checked in prepared:
            request = checked.request
            plays = request.plays
            _check_known(session, plays)
            session.execute(_INSERT, {"device": self.device_id, "driver": self.driver_id,
                                      "t": [p.played_at for p in plays], "ad": [p.ad_id for p in plays],
                                      "d": [p.duration_ms for p in plays], "c": [p.creative_id for p in plays]})
            tz = self.store.settings.tz
            events += outbox.write(session, self.kind, [{
                "device_id": self.device_id, "driver_id": self.driver_id,
                "plays": [_play_payload(p, tz) for p in plays]}])
            bodies[request.key] = {"accepted": len(plays)}
        return bodies, events


def _check_known(session, plays) -> None:
    """Every ad exists and every creative named is one of its ad's; else the whole batch is a 422."""
    known = set(session.execute(select(Ad.id).where(Ad.id.in_({p.ad_id for p in plays}))).scalars())
    named = {p.creative_id for p in plays if p.creative_id is not None}
    owners = dict(session.execute(select(Creative.id, Creative.ad_id).where(Creative.id.in_(named))).all()) \
        if named else {}
    for index, play in enumerate(plays):
        if play.ad_id not in known:
            raise Invalid(f"ad {play.ad_id} does not exist; nothing was recorded", field=f"plays[{index}].ad_id")
        if play.creative_id is not None and owners.get(play.creative_id) != play.ad_id:
            raise Invalid(f"creative {play.creative_id} is not a creative of ad {play.ad_id}; nothing was recorded",
                          field=f"plays[{index}].creative_id")


def _play_payload(play: Play, tz) -> dict:
    payload = {"ad_id": play.ad_id, "played_at": iso(play.played_at, tz), "duration_ms": play.duration_ms}
    if play.creative_id is not None:
        payload["creative_id"] = play.creative_id
    return payload


def record_ad_plays(store, device_id: int, principal: str, request: AdPlaysRequest) -> tuple[Outcome, list]:
    strategy = AdPlaySettlement(store, device_id, lookups.device_driver(store, device_id))
    return settle_one(store, strategy, principal, request)
