"""The shape of the code: imports point down the layers of DESIGN.md, no module imports itself back
through others, no module grows past 300 lines. Read from the source (AST), nothing is imported."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_LINES = 300

# Top-level part -> the parts it may import (DESIGN.md "Top level"; the console's buttons make
# dashboard -> ingest legal). app.py, gunicorn.conf.py and bench/ stand above everything.
ALLOWED = {
    "config": set(),
    "store": {"config"},
    "ingest": {"store", "config"},
    "analytics": {"store", "config"},
    "stream": {"analytics", "store", "config"},  # the live stream: a follower of the applied events
    "relay": {"store", "config"},  # the AMQP relay reads the outbox (DESIGN.md: a package of its own)
    "api": {"stream", "ingest", "analytics", "store", "config"},
    "dashboard": {"stream", "analytics", "ingest", "store", "config"},
    "commands": {"stream", "ingest", "analytics", "relay", "store", "config", "simulator"},
    "simulator": set(),
    "deploy": set(),
    "gunicorn.conf": {"commands", "config"},
    "app": {"api", "dashboard", "commands", "ingest", "analytics", "relay", "store", "config"},
    "bench": {"app", "api", "dashboard", "commands", "stream", "ingest", "analytics", "relay", "store", "config",
              "simulator"},
}
SKIP = {".venv", "tests", "node_modules", "var", ".git"}


def sources() -> dict[str, Path]:
    """Module name -> file, for every Python file of ours outside the tests."""
    found = {}
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        if rel.parts[0] in SKIP or rel.parts[0].startswith("."):
            continue
        parts = list(rel.with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imports(name: str, path: Path, modules: dict) -> set[str]:
    """The modules of ours that ``name`` imports anywhere in its file (late imports too)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # ``from a import b`` imports the module a.b when there is one, else a name of a
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in modules:  # ``import a.b.c`` of a name: its module
                target = target.rpartition(".")[0]
            if target and target != name:
                out.add(target)
    return out


def graph() -> dict[str, set[str]]:
    modules = sources()
    return {name: imports(name, path, modules) for name, path in modules.items()}


def part(module: str) -> str:
    return module if module == "gunicorn.conf" else module.split(".")[0]


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_every_part_of_the_tree_has_a_place_in_the_layers():
    assert {part(m) for m in sources()} <= set(ALLOWED), "a new top-level part: give it its row in ALLOWED"


def test_imports_point_down_the_layers():
    upward = sorted(f"{a} -> {b}" for a, targets in graph().items() for b in targets
                    if part(b) != part(a) and part(b) not in ALLOWED[part(a)])
    assert upward == []


def test_no_import_circles():
    assert circles(graph()) == []


def test_the_walk_sees_circles_and_upward_imports():
    """The checks above must be able to fail: a circle and an upward import made up here are found."""
    edges = {"store.a": {"store.b"}, "store.b": {"store.c"}, "store.c": {"store.a"}, "store.d": {"api.x"}}
    assert circles(edges) == [["store.a", "store.b", "store.c"]]
    assert "api" not in ALLOWED[part("store.d")]
    real = graph()
    assert "analytics.keys" in real["analytics.live.plan"]  # ``from analytics import keys`` is the module
    assert "store.outbox" in real["ingest.purchases"]


def test_no_module_over_300_lines():
    long = {str(p.relative_to(ROOT)): n for p in sources().values() if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert long == {}
