"""The Lua scripts (``analytics/lua/<name>.lua``), registered with redis-py and run by EVALSHA.

Pipelines call ``evalsha`` directly (one round trip, no ``SCRIPT EXISTS``
first); when a server answers NOSCRIPT (restarted, flushed, a new cluster
node) ``run`` loads the scripts on every primary and sends the failed
commands again — safe, because every script is idempotent or read-only.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from redis.exceptions import NoScriptError, ResponseError

LUA = Path(__file__).with_name("lua")
NAMES = ("apply", "top", "swap", "fill")


@lru_cache(maxsize=None)
def source(name: str) -> str:
    return (LUA / f"{name}.lua").read_text()


_shas: dict[str, str] = {}


def sha(client, name: str) -> str:
    """The script's SHA1 (``register_script`` computes it; nothing is sent yet)."""
    if name not in _shas:
        _shas[name] = client.register_script(source(name)).sha
    return _shas[name]


def load_all(client, names=NAMES) -> None:
    for name in names:
        client.script_load(source(name))  # a cluster client sends it to every primary


def load_script(client, name: str) -> None:
    """A script outside ``NAMES`` (the apply path's reload list; the jobs' own): load before use."""
    client.script_load(source(name))


def _no_script(result) -> bool:
    return isinstance(result, NoScriptError) or (isinstance(result, ResponseError) and "NOSCRIPT" in str(result))


def run(client, calls: list[tuple[str, list, list]]) -> list:
    """Run ``[(script name, keys, args), ...]`` in one pipeline; results in order.

    Errors other than NOSCRIPT come back in the list as exception objects
    (one event's failure must not hide the others' results).
    """
    if not calls:
        return []
    results = _send(client, calls)
    missing = [i for i, r in enumerate(results) if _no_script(r)]
    if missing:
        load_all(client, sorted({calls[i][0] for i in missing}))
        again = _send(client, [calls[i] for i in missing])
        for i, r in zip(missing, again):
            results[i] = r
    return results


def _send(client, calls) -> list:
    pipe = client.pipeline(transaction=False)
    for name, keys, args in calls:
        # execute_command, not pipe.evalsha: redis-py's cluster pipeline blocks the evalsha method
        # by name, though it routes the command by its keys (all of one scope: one slot).
        pipe.execute_command("EVALSHA", sha(client, name), len(keys), *keys, *args)
    return pipe.execute(raise_on_error=False)


def call(client, name: str, keys: list, args: list):
    """One script call outside a pipeline (reads): loads the script when the server lacks it."""
    result = run(client, [(name, keys, args)])[0]
    if isinstance(result, Exception):
        raise result
    return result
