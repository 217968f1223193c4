"""npm packages the browser tests and page benchmarks need (axe-core, Lighthouse), installed on first use.

Each pinned package goes into its own folder under ``.cache/node/`` (ignored by git) with the ordinary
npm client, so a clean checkout (CI) installs it by itself and later runs reuse it.
"""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".cache" / "node"
AXE_CORE = ("axe-core", "4.11.0")
LIGHTHOUSE = ("lighthouse", "12.8.2")


def ensure(package: str, version: str) -> Path:
    """The installed package's folder (``node_modules/<package>``), installing it first when missing."""
    prefix = CACHE / f"{package}-{version}"
    folder = prefix / "node_modules" / package
    manifest = folder / "package.json"
    if manifest.exists() and json.loads(manifest.read_text()).get("version") == version:
        return folder
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is not installed (Debian: apt-get install npm)")
    prefix.mkdir(parents=True, exist_ok=True)
    subprocess.run([npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund", "--loglevel=error",
                    f"{package}@{version}"], check=True, stdout=subprocess.DEVNULL)
    return folder


def axe_script() -> str:
    """axe.min.js, to inject into a page."""
    return (ensure(*AXE_CORE) / "axe.min.js").read_text()


def lighthouse_bin() -> Path:
    folder = ensure(*LIGHTHOUSE)
    return folder.parents[1] / "node_modules" / ".bin" / "lighthouse"
