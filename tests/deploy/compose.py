"""Read docker-compose.yml as Compose would, without Docker: YAML (with merge keys) and the
``${VAR}``, ``${VAR:-default}``, ``${VAR:?error}`` interpolation of values from an env file."""
from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class MissingVariable(Exception):
    pass


def read_env_file(path: Path) -> dict:
    """KEY=VALUE lines; comments and blank lines skipped (commented-out lines stay unset)."""
    env = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            env[key.strip()] = value.strip().strip('"').strip("'")
    return env


def _braced(text: str, start: int) -> int:
    """Index of the ``}`` closing the ``${`` at ``start`` (nested ``${...}`` allowed)."""
    depth, i = 0, start
    while i < len(text):
        if text.startswith("${", i):
            depth += 1
            i += 2
            continue
        if text[i] == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise ValueError(f"unclosed ${{ in {text!r}")


def interpolate(text: str, env: dict) -> str:
    out, i = [], 0
    while i < len(text):
        if text.startswith("$$", i):
            out.append("$")
            i += 2
        elif text.startswith("${", i):
            end = _braced(text, i)
            out.append(_expand(text[i + 2:end], env))
            i = end + 1
        elif text[i] == "$" and _NAME.match(text, i + 1):
            name = _NAME.match(text, i + 1).group()
            out.append(env.get(name, ""))
            i += 1 + len(name)
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def _expand(expr: str, env: dict) -> str:
    name = _NAME.match(expr).group()
    rest = expr[len(name):]
    value = env.get(name)
    if rest.startswith(":-"):
        return value if value else interpolate(rest[2:], env)
    if rest.startswith("-"):
        return value if value is not None else interpolate(rest[1:], env)
    if rest.startswith(":?"):
        if not value:
            raise MissingVariable(f"{name}: {interpolate(rest[2:], env)}")
        return value
    if rest.startswith("?"):
        if value is None:
            raise MissingVariable(f"{name}: {interpolate(rest[1:], env)}")
        return value
    return value or ""


def resolve(node, env: dict):
    if isinstance(node, str):
        return interpolate(node, env)
    if isinstance(node, list):
        return [resolve(item, env) for item in node]
    if isinstance(node, dict):
        return {key: resolve(value, env) for key, value in node.items()}
    return node


def raw() -> dict:
    """The compose file as written (variables not substituted; merge keys applied)."""
    return yaml.safe_load(COMPOSE.read_text())


def load(env: dict | None = None) -> dict:
    """The compose file resolved with ``env`` (default: the values of .env.example)."""
    return resolve(raw(), read_env_file(ENV_EXAMPLE) if env is None else env)


def active_services(doc: dict, profiles: set[str] = frozenset()) -> dict:
    return {name: svc for name, svc in doc["services"].items()
            if not svc.get("profiles") or set(svc["profiles"]) & set(profiles)}
