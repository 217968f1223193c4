"""The pages' request hooks (sign-in guard, screen guard, Dash's setup, Flask-Login's cookie),
run for the pages only.

They are registered on the whole Flask app, so every API request paid for them
(about a third of a ``GET /healthz``, measured in process). Here they become one
``before_request`` and one ``after_request`` hook that return at once for a
request routed to a blueprint: the API's endpoints all live in blueprints, the
pages (Dash's routes, sign-in) do not, except Dash's asset files.

Dash also finishes its setup in ``before_request`` hooks on the first request
(its setup, then the pages router, which registers a callback) behind unlocked
check-then-set flags. A new worker's threads taking their first requests
together interleave them: one iterates the callbacks while another adds to
them, and the request answers 500. Until Dash's hooks have all succeeded once,
one thread at a time runs them; after that they run unlocked (each is then a
flag check).
"""
from __future__ import annotations

import threading

from flask import Flask, Response, request

from config.http import PROBLEM, problem_text

PAGE_BLUEPRINTS = (None, "_dash_assets")


def for_pages() -> bool:
    return request._get_current_object().blueprint in PAGE_BLUEPRINTS


def pages_only(server: Flask, api_before: list, api_after: list, ours: list) -> None:
    """Hooks added after ``api_before``/``api_after`` are the pages'; ``ours`` lists the before hooks
    registered before Dash's (the guards), which run first as they did."""
    before = server.before_request_funcs.setdefault(None, [])
    guards = [hook for hook in before if hook in ours and hook not in api_before]
    dash_hooks = [hook for hook in before if hook not in ours]
    lock, ready = threading.Lock(), threading.Event()

    def run(hooks: list) -> object:
        for hook in hooks:
            reply = hook()
            if reply is not None:
                return reply
        return None

    def pages_before() -> object:
        if not for_pages():
            return None
        reply = run(guards)
        if reply is not None:
            return reply
        if ready.is_set():
            return run(dash_hooks)
        with lock:
            reply = run(dash_hooks)
            ready.set()
            return reply

    before[:] = [hook for hook in before if hook in api_before] + [pages_before]

    after = server.after_request_funcs.setdefault(None, [])
    page_after = [hook for hook in after if hook not in api_after]

    def pages_after(response):
        if for_pages():
            for hook in reversed(page_after):  # Flask's order: the last registered runs first
                response = hook(response)
        return response

    after[:] = [hook for hook in after if hook in api_after] + [pages_after]


def refuse_stale_callbacks(server: Flask, app) -> None:
    """A page loaded before a deploy (a wall that never reloads) sends callbacks this app no longer has, or
    with other inputs; Dash answers those with a 500 (a KeyError or IndexError in its dispatch). They are
    the page's fault, not the server's: a problem+json 400 that says to reload."""
    path = app.config.requests_pathname_prefix + "_dash-update-component"

    def check():
        if request.method != "POST" or request.path != path:
            return None
        body = request.get_json(silent=True)
        output = body.get("output") if isinstance(body, dict) else None
        spec = app.callback_map.get(output) if isinstance(output, str) else None
        # A clientside callback's entry has no function: its key sent here is as stale as an unknown one.
        if spec is not None and "callback" in spec and _counts_match(body, spec):
            return None
        return Response(problem_text(400, "Stale page", "This page's callbacks are not this server's: reload it."),
                        400, mimetype=PROBLEM)

    server.before_request(check)


def _counts_match(body: dict, spec: dict) -> bool:
    inputs, state = body.get("inputs") or [], body.get("state") or []
    return (isinstance(inputs, list) and isinstance(state, list)
            and len(inputs) == len(spec["inputs"]) and len(state) == len(spec["state"]))
