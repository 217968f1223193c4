"""N live screens for bench/stream.py: streams held open in a process of their own, a sample of
which time each ticker line's arrival."""
from __future__ import annotations

import asyncio
import json
import os
import time

from bench.servers import ADMIN_TOKEN
from stream.sse import split

SAMPLED = 100  # streams that parse every event and time the ticker lines (the rest count bytes)


class Screens:
    """N open streams; ``arrivals[purchase id]`` lists when each sampled stream saw its line."""

    def __init__(self, host: str, port: int, path: str, count: int, token: str):
        self.host, self.port, self.path, self.count, self.token = host, port, path, count, token
        self.arrivals: dict[str, list[float]] = {}
        self.ready = 0
        self.bytes = 0
        self.by_event: dict[str, int] = {}  # bytes of each event kind at the sampled streams
        self.tasks: list[asyncio.Task] = []
        self.writers = []

    async def open(self, at_once: int = 200) -> None:
        started = asyncio.get_running_loop().create_future()
        self._all_ready = started
        if not self.count:
            return
        gate = asyncio.Semaphore(at_once)
        self.tasks = [asyncio.create_task(self._watch(n, gate)) for n in range(self.count)]
        await asyncio.wait_for(started, timeout=120)

    async def _watch(self, n: int, gate: asyncio.Semaphore) -> None:
        async with gate:
            reader, writer = await asyncio.open_connection(self.host, self.port, limit=1 << 20)
            self.writers.append(writer)
            writer.write(f"GET {self.path} HTTP/1.1\r\nHost: {self.host}\r\nAuthorization: Bearer {self.token}\r\n"
                         "Accept: text/event-stream\r\n\r\n".encode())
            head = await reader.readuntil(b"\r\n\r\n")
            assert b" 200 " in head.split(b"\r\n", 1)[0], head
        buffer, ready, sampled = b"", False, n < SAMPLED
        while True:
            chunk = await reader.read(1 << 16)
            if not chunk:
                return
            self.bytes += len(chunk)
            if not (sampled or not ready):
                continue
            at = time.perf_counter()
            events, buffer = split(buffer + chunk)
            for name, _, data in events:
                if sampled:
                    self.by_event[name] = self.by_event.get(name, 0) + len(data)
                if name == "figures" and not ready:
                    ready = True
                    self.ready += 1
                    if self.ready == self.count:
                        self._all_ready.set_result(None)
                elif name == "sale" and sampled:
                    self.arrivals.setdefault(json.loads(data)["id"], []).append(at)

    def close(self) -> None:
        for writer in self.writers:
            writer.close()
        for task in self.tasks:
            task.cancel()


class ScreenProcess:
    """The N streams read in a process of their own, so that this one (sending purchases) is not
    slowed by them; both time with the same monotonic clock (``time.perf_counter`` is system-wide)."""

    def __init__(self, host: str, port: int, count: int):
        import multiprocessing

        ctx = multiprocessing.get_context("spawn")
        self.conn, child = ctx.Pipe()
        # The token goes along: a spawned process draws bench.servers' random one anew.
        self.proc = ctx.Process(target=_screens_main, args=(host, port, count, ADMIN_TOKEN, child), daemon=True)
        self.proc.start()

    async def ready(self) -> None:
        message = await asyncio.get_running_loop().run_in_executor(None, self.conn.recv)
        assert message == "ready", message

    async def stop(self) -> tuple[dict, int]:
        self.conn.send("stop")
        arrivals, read, self.by_event, self.cpu = await asyncio.get_running_loop().run_in_executor(None, self.conn.recv)
        self.proc.join(30)
        return arrivals, read


def _screens_main(host: str, port: int, count: int, token: str, conn) -> None:
    async def watch():
        screens = Screens(host, port, "/api/v1/stream", count, token)
        await screens.open()
        conn.send("ready")
        await asyncio.get_running_loop().run_in_executor(None, conn.recv)
        times = os.times()
        conn.send((screens.arrivals, screens.bytes, screens.by_event, times.user + times.system))
        screens.close()

    asyncio.run(watch())
