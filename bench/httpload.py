"""A small keep-alive HTTP/1.1 load generator on asyncio (low CPU per request, so that
the machine's cores go to the server under test, not to the client)."""
from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field


@dataclass
class Tally:
    statuses: dict = field(default_factory=dict)
    latencies: list = field(default_factory=list)
    bodies: list = field(default_factory=list)
    warmup: dict = field(default_factory=dict)  # statuses of the uncounted replies (open_loop's first seconds)

    def replies(self, status: int) -> int:
        """Every reply with ``status``, counted or not: what the server's CPU over the phase paid for."""
        return self.statuses.get(status, 0) + self.warmup.get(status, 0)

    def add(self, status: int, latency: float, body: bytes | None = None) -> None:
        self.statuses[status] = self.statuses.get(status, 0) + 1
        self.latencies.append(latency)
        if body is not None:
            self.bodies.append(body)

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


class Connection:
    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader = self.writer = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def request(self, method: str, path: str, body: bytes, headers: dict) -> tuple[int, bytes]:
        if self.writer is None:
            await self.open()
        head = [f"{method} {path} HTTP/1.1", f"Host: {self.host}", f"Content-Length: {len(body)}"]
        if "Content-Type" not in headers:
            head.append("Content-Type: application/json")
        head += [f"{k}: {v}" for k, v in headers.items()]
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        status_line = await self.reader.readline()
        if not status_line:
            self.writer = None
            raise ConnectionError("server closed the connection")
        status = int(status_line.split()[1])
        length, close = 0, False
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "connection" and value.strip().lower() == "close":
                close = True
        payload = await self.reader.readexactly(length) if length else b""
        if close:
            self.writer.close()
            self.writer = None
        return status, payload


async def closed_loop(host, port, connections: int, seconds: float, make_request, keep_bodies=False) -> tuple[Tally, float]:
    """``connections`` clients, each sending its next request as soon as the last is answered."""
    tally = Tally()
    deadline = time.perf_counter() + seconds

    async def client(n: int):
        conn = Connection(host, port)
        i = 0
        while time.perf_counter() < deadline:
            method, path, body, headers = make_request(n, i)
            i += 1
            started = time.perf_counter()
            try:
                status, payload = await conn.request(method, path, body, headers)
            except (ConnectionError, asyncio.IncompleteReadError):
                status, payload, conn = 0, b"", Connection(host, port)
            tally.add(status, time.perf_counter() - started, payload if keep_bodies else None)

    started = time.perf_counter()
    await asyncio.gather(*(client(n) for n in range(connections)))
    return tally, time.perf_counter() - started


async def open_loop(host, port, rate: float, seconds: float, make_request, connections: int = 64,
                    warmup: float = 2.0, on_reply=None) -> Tally:
    """Requests at a fixed rate whatever the answers; latency counts from the scheduled send time
    (no coordinated omission: a slow answer delays nothing that follows). The first ``warmup``
    seconds run at the same rate uncounted, so that every connection has carried requests before
    the counted ones: devices keep their connections, and a fresh one's first requests are slower.
    ``on_reply(status, body, at)``, if given, sees each counted reply as it arrives."""
    tally = Tally()
    idle: asyncio.Queue = asyncio.Queue()
    for _ in range(connections):
        idle.put_nowait(Connection(host, port))
    start = time.perf_counter()
    total = int(rate * (warmup + seconds))
    counted_from = int(rate * warmup)
    tasks = []

    async def one(i: int, due: float):
        conn = await idle.get()
        method, path, body, headers = make_request(i % connections, i)
        try:
            status, payload = await conn.request(method, path, body, headers)
        except (ConnectionError, asyncio.IncompleteReadError):
            status, payload, conn = 0, b"", Connection(host, port)
        if i >= counted_from:
            tally.add(status, time.perf_counter() - due)
            if on_reply is not None:
                on_reply(status, payload, time.perf_counter())
        else:
            tally.warmup[status] = tally.warmup.get(status, 0) + 1
        idle.put_nowait(conn)

    for i in range(total):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i, due)))
    await asyncio.gather(*tasks)
    return tally
