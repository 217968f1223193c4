"""What a browser downloads for the pages: only the bundles a page uses, compressed, cached.

- plotly: Dash loads ``plotly.min.js`` (4.8 MB, every trace type) the first
  time a page draws a ``dcc.Graph``, from a fixed URL. The pages draw bar
  charts only, so that URL serves plotly.js's official "basic" partial bundle
  (bar, scatter, pie; 1.2 MB), vendored beside Leaflet.
- AG Grid: a component library's bundle goes into every page's index once
  imported; only the devices page draws a grid, so the others leave it out.
  Pages that use it are opened by a full page load (``GRID_PAGES``; the
  console's navigation links to them as plain links).
- Dash's ``@babel/polyfill`` (core-js for old browsers, 100 kB, render-blocking, ~100 ms of
  script on every page) is replaced by the one part Dash's bundles still call,
  ``regeneratorRuntime`` (``regenerator-runtime``, vendored); the DataTable bundle, which no page
  draws, is left out.
- Compression (flask-compress, brotli or gzip) for everything but ``/api``:
  the API's clients are machines sending small bodies whose CPU matters more;
  the static bundles' compressed bytes are kept (their URLs are versioned).
- Cache headers: versioned asset and bundle URLs are immutable for a year;
  the rest of ``/assets`` revalidates after an hour.
"""
from __future__ import annotations

import re
from collections import OrderedDict
from pathlib import Path

import dash
from flask import Flask, Response, request, send_file
from flask_compress import Compress

ROOT = Path(__file__).resolve().parents[1]
PLOTLY_BASIC = ROOT / "assets" / "vendor" / "plotly" / "plotly-basic.min.js"
PLOTLY_URL = "/_dash-component-suites/plotly/package_data/plotly.min.js"  # what dash-renderer asks for
GRID_PAGES = ("/console/devices",)
_GRID_SCRIPT = re.compile(r'<script src="[^"]*/_dash-component-suites/dash_ag_grid/[^"]*"></script>\s*')
_TABLE_SCRIPT = re.compile(r'<script src="[^"]*/_dash-component-suites/dash/dash_table/[^"]*"></script>\s*')
_POLYFILL_SCRIPT = re.compile(r'<script src="[^"]*/_dash-component-suites/dash/deps/polyfill@[^"]*"></script>')
REGENERATOR = ROOT / "assets" / "vendor" / "regenerator-runtime" / "runtime.js"
YEAR, HOUR = 31_536_000, 3600
COMPRESSED_STATIC = ("/assets/", "/_dash-component-suites/", "/favicon.ico")
MIMETYPES = ["text/html", "text/css", "text/plain", "text/csv", "application/json", "application/javascript",
             "text/javascript", "image/svg+xml", "image/x-icon", "image/vnd.microsoft.icon"]


class DashApp(dash.Dash):
    """The one Dash app; its index page leaves out the AG Grid bundle where no grid is drawn."""

    def interpolate_index(self, **kwargs) -> str:
        scripts = _TABLE_SCRIPT.sub("", kwargs.get("scripts", ""))
        if not uses_grid(request.path):
            scripts = _GRID_SCRIPT.sub("", scripts)
        runtime = f"{self.config.requests_pathname_prefix}assets/vendor/regenerator-runtime/runtime.js" \
                  f"?m={int(REGENERATOR.stat().st_mtime)}"
        kwargs["scripts"] = _POLYFILL_SCRIPT.sub(f'<script src="{runtime}"></script>', scripts, count=1)
        return super().interpolate_index(**kwargs)


def uses_grid(path: str) -> bool:
    return path.rstrip("/") in GRID_PAGES


class _BoundedCache:
    """flask-compress's cache interface, bounded: a few bundles in two encodings."""

    def __init__(self, entries: int = 64):
        self.entries, self.data = entries, OrderedDict()

    def get(self, key: str) -> bytes | None:
        return self.data.get(key)

    def set(self, key: str, value: bytes) -> None:
        self.data[key] = value
        self.data.move_to_end(key)
        while len(self.data) > self.entries:
            self.data.popitem(last=False)


def _versioned() -> bool:
    """Dash versions asset URLs with ``?m=<mtime>`` and bundle paths with ``.v<version>m<mtime>``."""
    return bool(request.args.get("m") or request.args.get("v")) or \
        bool(re.search(r"\.v[\w-]+m\d+\.\w+$", request.path))


def plotly_bundle() -> Response:
    response = send_file(PLOTLY_BASIC, mimetype="application/javascript", conditional=True, etag=True,
                         max_age=HOUR * 24)
    return response


def _cache_headers(response: Response) -> Response:
    path = request.path
    if response.status_code != 200 or not (path.startswith("/assets/") or path == "/favicon.ico"):
        return response
    response.cache_control.public = True
    if _versioned():
        response.cache_control.max_age = YEAR
        response.cache_control.immutable = True
    else:
        response.cache_control.max_age = HOUR
    response.cache_control.no_cache = None
    return response


def init_app(server: Flask) -> None:
    """Compression and cache headers on the server; the plotly route before Dash's catch-all."""
    server.config.update(COMPRESS_REGISTER=False, COMPRESS_ALGORITHM=["br", "gzip"],
                         COMPRESS_ALGORITHM_STREAMING=["br", "deflate"], COMPRESS_MIMETYPES=MIMETYPES,
                         COMPRESS_BR_LEVEL=5)
    dynamic = Compress()
    dynamic.init_app(server)
    static = Compress()
    static.init_app(server)
    static.cache, static.cache_key = _BoundedCache(), lambda req: req.full_path

    server.add_url_rule(PLOTLY_URL, "plotly_bundle", plotly_bundle)

    @server.after_request
    def _deliver(response: Response) -> Response:
        if request.path.startswith("/api/"):
            return response
        response = _cache_headers(response)
        if request.path.startswith(COMPRESSED_STATIC) and (_versioned() or request.path == PLOTLY_URL) \
                and response.status_code == 200:
            response.direct_passthrough = False
            response.get_data()  # read the file: a whole body is compressed once and kept, a stream every time
            return static.after_request(response)
        return dynamic.after_request(response)
