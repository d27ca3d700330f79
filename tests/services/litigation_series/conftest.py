"""Shared fixtures of the litigation_series tests: one calibrated model on a small generated corpus."""

from __future__ import annotations

import pandas as pd
import pytest

from iapublique.services.litigation_series import LitigationSeriesService
from iapublique.services.litigation_series.model import SeriesModel


@pytest.fixture(scope="session")
def service() -> LitigationSeriesService:
    """The service."""
    return LitigationSeriesService()


@pytest.fixture(scope="session")
def train_corpus(service: LitigationSeriesService) -> pd.DataFrame:
    """A labelled generated corpus for calibration (seed 1001)."""
    return service.demo_data(1200, seed=1001)


@pytest.fixture(scope="session")
def calibrated(service: LitigationSeriesService, train_corpus: pd.DataFrame) -> SeriesModel:
    """The model fitted (and calibrated) on the training corpus."""
    return service.fit(train_corpus)
