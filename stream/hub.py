"""The process's live hub: one Redis subscriber, one asyncio loop, every open stream.

An applied event marks the parts it changes in each scope that has open streams
(``stream.routing``). A scope is computed at most once per ``stream_coalesce_ms``
(the first change after a quiet spell at once, later ones at the end of the
window), by the same query functions as the API, in a small thread pool; the
result is encoded once and the same bytes are written to each of the scope's
streams. The work per event does not grow with the number of screens: a thousand
walls of the platform cost one computation and a thousand socket writes per window.

When the subscriber loses Redis every stream is closed (the screens say they are
reconnecting) and new ones are refused with a 503 until it is back. With no stream open
it reads nothing (``watched``, stream.subscriber)."""
from __future__ import annotations

import asyncio
import logging
import threading
from concurrent.futures import ThreadPoolExecutor

import orjson

from stream import compute, rights, routing, sse, subscriber
from stream.routing import ALERT, DRIVERS, FIGURES
from stream.sinks import QueueSink, SocketSink
from stream.state import ALL_PARTS, ScopeState, Stream

log = logging.getLogger(__name__)
# The newest sale lines a window sends (at most 20 a second at the default 200 ms): more than a
# person reads off a ticker, and at hundreds of sales a second every line to every screen was half
# the stream's bytes (bench/stream.py). A screen that joins still gets the ticker's 12.
SALES_PER_WINDOW = 4
DEAF = "The live stream cannot reach Redis; retry shortly"  # the 503's detail, wherever a stream is refused
REFRESH_SECONDS = 30.0  # figures nothing announces (the day's turn, pickups, wait times) change this often


class Hub:
    def __init__(self, store, *, coalesce: float | None = None, heartbeat: float | None = None,
                 recheck: float | None = None, refresh: float = REFRESH_SECONDS):
        settings = store.settings
        self.store = store
        self.coalesce = coalesce if coalesce is not None else settings.stream_coalesce_ms / 1000
        self.heartbeat = heartbeat if heartbeat is not None else settings.stream_heartbeat_seconds
        self.recheck = recheck if recheck is not None else settings.stream_recheck_seconds
        self.refresh = refresh
        self.scopes: dict[str, ScopeState] = {}
        self.showing: dict[int, set[str]] = {}  # driver id -> scopes whose map shows the driver
        self.last_id = 0
        self.counts = {"messages": 0, "computations": 0, "streams": 0}
        self.up = threading.Event()  # Redis answers: a new stream would be served
        self.watched, self.listening = threading.Event(), threading.Event()  # a stream is open; events arrive
        self.loop: asyncio.AbstractEventLoop | None = None
        self.pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="stream-figures")
        self.stopping = threading.Event()
        self.pubsub = None

    # any thread ---------------------------------------------------------------------------
    def start(self) -> "Hub":
        ready = threading.Event()
        threading.Thread(target=self._run, args=(ready,), name="stream-hub", daemon=True).start()
        ready.wait(5)
        threading.Thread(target=subscriber.listen, args=(self,), name="stream-subscriber", daemon=True).start()
        self.up.wait(2.0)  # the first stream of a process waits for the subscription, not a 503
        return self

    def stop(self) -> None:
        self.stopping.set()
        if self.loop is not None and self.loop.is_running():
            self.loop.call_soon_threadsafe(self.close_all)
            self.loop.call_soon_threadsafe(self.loop.stop)
        pubsub = self.pubsub
        if pubsub is not None:
            try:
                pubsub.close()
            except Exception:  # the subscriber thread may be closing it too
                pass
        self.pool.shutdown(wait=False)

    @property
    def available(self) -> bool:
        """The subscriber is listening: a new stream would see what happens."""
        return self.up.is_set()

    def adopt(self, grant: rights.Grant, sock, head: bytes) -> None:
        """Take over ``sock`` (the request already answered by ``head``) as a stream of ``grant``."""
        asyncio.run_coroutine_threadsafe(self._adopt(grant, sock, head), self.loop)

    def open_queue(self, grant: rights.Grant) -> tuple[Stream, QueueSink]:
        stream = Stream(grant, QueueSink())
        self.loop.call_soon_threadsafe(self._attach, stream)
        return stream, stream.sink

    def close(self, stream: Stream) -> None:
        if self.loop is not None and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self._detach, stream)

    # the loop ---------------------------------------------------------------------------------
    def _run(self, ready: threading.Event) -> None:
        self.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self.loop)
        for every, job in ((self.heartbeat, self._beat), (self.recheck, self._check_rights),
                           (self.refresh, self._refresh)):
            self.loop.create_task(self._every(every, job))
        self.loop.call_soon(ready.set)
        try:
            self.loop.run_forever()
        finally:
            tasks = asyncio.all_tasks(self.loop)
            for task in tasks:
                task.cancel()
            self.loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
            self.loop.close()

    async def _every(self, seconds: float, job) -> None:
        while True:
            await asyncio.sleep(seconds)
            try:
                await job()
            except Exception:  # one failed round (Redis or Postgres away) must not end the job
                log.warning("live stream: %s failed", job.__name__, exc_info=True)

    async def _adopt(self, grant, sock, head: bytes) -> None:
        stream = Stream(grant, None)
        sock.setblocking(False)
        try:
            _, sink = await self.loop.connect_accepted_socket(lambda: SocketSink(lambda: self._detach(stream)), sock)
        except OSError:
            sock.close()
            return
        stream.sink = sink
        sink.write(head + sse.RETRY)
        self._attach(stream)

    def _attach(self, stream: Stream) -> None:
        if not self.up.is_set():  # the subscriber went away between the check and the hand-over
            stream.sink.close()
            return
        state = self.scopes.get(stream.grant.scope)
        if state is None:
            state = self.scopes[stream.grant.scope] = ScopeState(stream.grant.scope)
        state.streams.add(stream)
        self.counts["streams"] += 1
        self.watched.set()
        if state.figures is None:
            state.waiting.add(stream)
            if self.listening.is_set():  # else once subscribed (``resubscribed``): nothing missed in between
                self._schedule(state)
        else:
            stream.sink.write(self._snapshot(state))

    def _detach(self, stream: Stream) -> None:
        state = self.scopes.get(stream.grant.scope)
        if state is None or stream not in state.streams:
            return
        state.streams.discard(stream)
        state.waiting.discard(stream)
        self.counts["streams"] -= 1
        if not state.streams:  # nobody watches: stop computing this scope
            if state.timer is not None:
                state.timer.cancel()
            self._show(state, set())
            del self.scopes[state.name]
            if not self.scopes:
                self.watched.clear()

    def close_all(self) -> None:
        for state in list(self.scopes.values()):
            for stream in list(state.streams):
                stream.sink.close()
                self._detach(stream)

    def on_message(self, raw) -> None:
        message = orjson.loads(raw)
        if not isinstance(message, dict):
            return
        self.counts["messages"] += 1
        if isinstance(message.get("id"), int) and message["id"] > self.last_id:
            self.last_id = message["id"]
        change = routing.change_of(message)
        for scope, parts in change.parts.items():
            state = self.scopes.get(scope)
            if state is not None:
                if ALERT in parts:
                    state.alerts.append(message)
                state.dirty |= parts
                self._schedule(state)
        for scope in self.showing.get(change.moved, ()) if change.moved is not None else ():
            state = self.scopes[scope]
            state.dirty.add(DRIVERS)
            self._schedule(state)

    def _schedule(self, state: ScopeState) -> None:
        if state.timer is not None or state.busy or not state.dirty:
            return
        delay = max(0.0, state.last + self.coalesce - self.loop.time())
        state.timer = self.loop.call_later(delay, lambda: self.loop.create_task(self._compute(state)))

    async def _compute(self, state: ScopeState) -> None:
        state.timer, state.busy, state.last = None, True, self.loop.time()
        parts, state.dirty = state.dirty, set()
        alerts, state.alerts = state.alerts, []
        try:
            result = await self.loop.run_in_executor(self.pool, compute.parts_of, self.store, state.name, parts)
        except Exception as exc:  # Redis or Postgres away: keep what the screens show, try again later
            log.warning("live stream: figures of %s unavailable: %s", state.name, exc)
            state.dirty |= parts
            state.alerts = alerts + state.alerts
            state.last = self.loop.time() + 1.0  # back off a second beyond the window
            result = None
        finally:
            state.busy = False
        self.counts["computations"] += 1
        if result is not None and self.scopes.get(state.name) is state:
            self._publish(state, result, alerts)
        self._schedule(state)

    def _publish(self, state: ScopeState, result: dict, alerts: list[dict]) -> None:
        event_id, out = str(self.last_id), []
        if "ticker" in result:
            known = {line["id"] for line in state.ticker}
            fresh = [line for line in result["ticker"] if line["id"] not in known][:SALES_PER_WINDOW]
            state.ticker = result["ticker"]
            out += [sse.event("sale", event_id, line) for line in reversed(fresh)]  # oldest first
        if result.get("figures") is not None and result["sameness"] != state.sameness:
            state.figures, state.sameness = result["figures"], result["sameness"]
            out.append(sse.event("figures", event_id, state.figures))
        if result.get("drivers") is not None and result["drivers"] != state.drivers:
            state.drivers = result["drivers"]
            self._show(state, result["shown"])
            out.append(sse.event("drivers", event_id, state.drivers))
        out += [sse.event("alert", event_id, message) for message in alerts]
        if state.figures is None:
            return
        blob = b"".join(out)
        for stream in state.streams:
            if stream in state.waiting:
                stream.sink.write(self._snapshot(state))
            elif blob:
                stream.sink.write(blob)
        state.waiting.clear()

    def _snapshot(self, state: ScopeState) -> bytes:
        """What a stream gets when it joins: the figures at once, the map, the ticker's lines."""
        event_id = str(self.last_id)
        parts = [sse.event("figures", event_id, state.figures)]
        if state.drivers is not None:
            parts.append(sse.event("drivers", event_id, state.drivers))
        parts += [sse.event("sale", event_id, line) for line in reversed(state.ticker)]
        return b"".join(parts)

    def _show(self, state: ScopeState, drivers: set[int]) -> None:
        for driver in state.shown - drivers:
            scopes = self.showing.get(driver)
            if scopes is not None:
                scopes.discard(state.name)
                if not scopes:
                    del self.showing[driver]
        for driver in drivers - state.shown:
            self.showing.setdefault(driver, set()).add(state.name)
        state.shown = drivers

    async def _beat(self) -> None:
        for state in self.scopes.values():
            for stream in state.streams:
                stream.sink.write(sse.HEARTBEAT)

    async def _check_rights(self) -> None:
        grants = {s.grant for state in self.scopes.values() for s in state.streams if s.grant.kind != "admin"}
        if not grants:
            return
        gone = await self.loop.run_in_executor(self.pool, rights.lapsed, self.store, grants)
        for state in list(self.scopes.values()):
            for stream in [s for s in state.streams if s.grant in gone]:
                stream.sink.close()
                self._detach(stream)

    async def _refresh(self) -> None:
        for state in self.scopes.values():
            state.dirty |= {FIGURES, DRIVERS}
            self._schedule(state)

    def resubscribed(self) -> None:
        """Back after a gap: what was missed is read again (the figures are in Redis)."""
        for state in self.scopes.values():
            state.dirty |= ALL_PARTS
            self._schedule(state)

def hub_for(store) -> Hub:
    """The process's hub for ``store``, started on first use (after a fork, in the worker)."""
    hub = store.stream_hub
    if hub is None:
        with _lock:
            hub = store.stream_hub
            if hub is None:
                hub = store.stream_hub = Hub(store).start()
                store.on_close(hub.stop)
    return hub


_lock = threading.Lock()
