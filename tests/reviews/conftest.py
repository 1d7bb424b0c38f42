"""The stability bootstrap is the slow part of a computation; tests check its wiring, not its precision."""

from __future__ import annotations

import pytest


@pytest.fixture
def app_config() -> dict[str, object]:
    return {"RESULTS_STABILITY_RESAMPLES": 40}
