"""Positions and plausible paths on a city map (small distances: flat-earth steps are fine)."""
from __future__ import annotations

import math
import random

EARTH_KM = 6371.0088
KM_PER_DEG_LAT = math.pi * EARTH_KM / 180  # the same sphere as haversine_km


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lng1, lat2, lng2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    return 2 * EARTH_KM * math.asin(math.sqrt(h))


def offset(point: tuple[float, float], north_km: float, east_km: float) -> tuple[float, float]:
    lat, lng = point
    return (lat + north_km / KM_PER_DEG_LAT, lng + east_km / (KM_PER_DEG_LAT * math.cos(math.radians(lat))))


def near(rng: random.Random, point: tuple[float, float], radius_km: float) -> tuple[float, float]:
    """A point within ``radius_km`` of ``point`` (uniform over the disc)."""
    r, angle = radius_km * math.sqrt(rng.random()), rng.random() * 2 * math.pi
    return offset(point, r * math.cos(angle), r * math.sin(angle))


def route(rng: random.Random, start: tuple[float, float], end: tuple[float, float]) -> list[tuple[float, float]]:
    """Waypoints of a drive: city streets are roughly a grid, so go along one axis, then the other,
    through a slightly jittered corner (a straight line across the river looks wrong on a wall)."""
    corner = (start[0], end[1]) if rng.random() < 0.5 else (end[0], start[1])
    corner = near(rng, corner, min(1.0, haversine_km(start, end) / 6))
    return [start, corner, end]


class Path:
    """Walk along waypoints at a given distance per step."""

    def __init__(self, waypoints: list[tuple[float, float]]):
        self.points = list(waypoints)
        self.leg = 0
        self.position = self.points[0]

    @property
    def done(self) -> bool:
        return self.leg >= len(self.points) - 1

    def advance(self, km: float) -> tuple[float, float]:
        while km > 0 and not self.done:
            target = self.points[self.leg + 1]
            left = haversine_km(self.position, target)
            if left <= km:
                self.position, km = target, km - left
                self.leg += 1
            else:
                t = km / left
                self.position = (self.position[0] + (target[0] - self.position[0]) * t,
                                 self.position[1] + (target[1] - self.position[1]) * t)
                km = 0
        return self.position
