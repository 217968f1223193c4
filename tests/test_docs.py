"""The repository carries its own HTTP contract: docs/api.md equals the shared API.md."""
from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "API.md"


def test_docs_api_md_is_the_shared_contract():
    if not SHARED.exists():
        pytest.skip(f"{SHARED} is absent (a clone outside the shared workspace): nothing to compare with")
    assert (ROOT / "docs" / "api.md").read_bytes() == SHARED.read_bytes(), \
        "docs/api.md differs from ../shared/API.md: copy it again (cp ../shared/API.md docs/api.md)"


def test_readme_links_only_inside_the_repository():
    text = (ROOT / "README.md").read_text()
    assert "../shared" not in text
    for target in ("docs/operations.md", "docs/deployment.md", "docs/benchmarks.md", "docs/internals.md",
                   "docs/api.md", "docs/capacity.md"):
        assert target in text and (ROOT / target).exists(), target
