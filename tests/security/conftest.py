"""The results computations in the world need their stability bootstrap only as wiring, not precision."""

from __future__ import annotations

import pytest


@pytest.fixture
def app_config() -> dict[str, object]:
    return {"RESULTS_STABILITY_RESAMPLES": 20}
