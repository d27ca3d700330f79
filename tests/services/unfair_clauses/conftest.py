"""Shared fixtures of the unfair_clauses tests: one fitted model per session (training takes seconds)."""

from __future__ import annotations

import pytest

from iapublique.services.unfair_clauses import UnfairClausesService
from iapublique.services.unfair_clauses.model import UnfairClausesModel


@pytest.fixture(scope="session")
def service() -> UnfairClausesService:
    """The service instance."""
    return UnfairClausesService()


@pytest.fixture(scope="session")
def fitted(service: UnfairClausesService) -> UnfairClausesModel:
    """The model fitted on the demo data of seed 0, as the demo does."""
    return service.fit(service.demo_data(service.demo_size, seed=0))
