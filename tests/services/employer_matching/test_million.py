"""The issue's must-show evaluation: 20,000 bulletins against a generated register of 1,000,000 establishments."""

from __future__ import annotations

import pytest

from iapublique.services.employer_matching import evaluate_generated
from iapublique.settings import Settings

pytestmark = pytest.mark.slow


def test_million_establishment_register_meets_the_goals(tmp_settings: Settings) -> None:
    got = evaluate_generated(1_000_000, 20_000, 20_000, 0)
    assert got["register_establishments"] >= 1_000_000 and got["bulletins"] == 20_000
    assert got["recall_at_100"] >= 0.97
    assert got["top1"] >= 0.85 and got["top5"] >= 0.95
    assert got["autocode_rate"] >= 0.6 and got["autocode_precision"] >= 0.93
    assert got["naf_top5"] >= 0.9
