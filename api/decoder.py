"""The one JSON decoder of request bodies (API.md "Strict input"): JSON as RFC 8259 has it, no key
twice in an object, at most 32 levels of nesting. Anything else is ``Rejected`` (a 400).

orjson parses (a batch of 500 purchases spent a tenth of its CPU in the standard library's
decoder). It keeps the last of two equal keys and nests up to 1024 levels, so two cheap checks
follow on the parsed value:
- duplicates: outside strings, a body's colons are its keys. Re-encoding the parsed value
  (orjson again) writes one colon per key it kept, and every colon inside a string as it is, so
  the two texts hold as many colons exactly when no key was dropped. A colon written as an
  escape (``\\u003a``) would upset the count: such a body takes the exact path.
- depth: a body with at most 32 brackets cannot nest deeper (a single purchase has five);
  others are walked, containers only.
The exact path, for what orjson refuses and for the escapes above, is the standard library's
decoder with a hook on every object: slower, and it names the repeated key. Numbers orjson cannot
hold (``1e400``) come out of it as floats: validation then names the field (422).
"""
from __future__ import annotations

import json

import orjson

MAX_DEPTH = 32
_ESCAPED_COLON = b"\\u003"  # \u003a / \u003A (and the other \u003x, harmlessly)


class Rejected(ValueError):
    """A body that is not JSON the API takes; the message says why (a 400's detail)."""


def decode(raw: bytes | str):
    """The value of a JSON text, or ``Rejected``."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogatepass")
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return _exact(raw)
    if raw.count(b"[") + raw.count(b"{") > MAX_DEPTH:
        _within_depth(value, 1)  # first: orjson encodes 255 levels at most
    if _ESCAPED_COLON in raw or raw.count(b":") != orjson.dumps(value).count(b":"):
        return _exact(raw)  # a key was dropped (the exact path names it), or the count cannot tell
    return value


def _exact(raw: bytes):
    try:
        value = json.loads(raw.decode("utf-8"), object_pairs_hook=_unique, parse_constant=_no_constant)
    except RecursionError:
        raise Rejected(f"The JSON nests deeper than {MAX_DEPTH} levels") from None
    except UnicodeDecodeError:
        raise Rejected("The body is not UTF-8 text") from None
    except Rejected:
        raise
    except ValueError as exc:
        raise Rejected(f"The body is not valid JSON ({exc})") from None
    if isinstance(value, (dict, list)):
        _within_depth(value, 1)
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:  # "\ud800" alone: JSON's grammar allows it, Unicode text does not
        raise Rejected("The JSON holds a lone UTF-16 surrogate (not Unicode text)") from None
    return value


def _unique(pairs: list) -> dict:
    value = dict(pairs)
    if len(value) != len(pairs):
        seen = set()
        for key, _ in pairs:
            if key in seen:
                raise Rejected(f"The key {key[:50]!r} appears twice in one JSON object")
            seen.add(key)
    return value


def _no_constant(name: str):
    raise Rejected(f"{name} is not JSON")


def _within_depth(value, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise Rejected(f"The JSON nests deeper than {MAX_DEPTH} levels")
    for item in value.values() if value.__class__ is dict else value:
        if item.__class__ is dict or item.__class__ is list:
            _within_depth(item, depth + 1)
