"""The live stream (API.md "Live stream"): one subscriber per process to the applied events,
figures recomputed once per changed scope, fanned out to every open Server-Sent Events stream.

- ``stream.hub``: the process's ``Hub`` (an asyncio loop in a thread of its own): subscriber,
  coalescing, fan-out, heartbeats, rights re-checked every few seconds.
- ``stream.routing``: which scopes and parts one applied event changes.
- ``stream.rights``: what a stream was granted and whether it still holds.
- ``stream.sinks``: where a stream's bytes go: an adopted socket (no thread held) or a queue
  read by a WSGI response (servers that cannot hand a socket over).
- ``stream.sse``: the wire format.
- ``stream.handoff``: a granted stream's connection passed from a web worker to the stream
  process (``python app.py stream``, started beside the workers), which holds them all.

The HTTP endpoint is ``api.stream`` (rights as the queries); the server hand-off is the
``buyfree.stream.handoff`` WSGI environ protocol (docs/internals.md "Live stream").
"""
from stream.handoff import relay_for
from stream.hub import Hub, hub_for

__all__ = ["Hub", "hub_for", "relay_for"]
