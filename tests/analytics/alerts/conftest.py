"""The alert tests' small fleet."""
from __future__ import annotations

import pytest

from tests.analytics.traffic import build_fleet


@pytest.fixture
def fleet(api):
    return build_fleet(api, stations=2, products=3, drivers=2, ads=0, stock=50)
