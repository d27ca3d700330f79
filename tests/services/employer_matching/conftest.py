"""A small generated register (30,000 establishments) and a model trained on it, shared by this folder's tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from iapublique.services.employer_matching import register as reg
from iapublique.services.employer_matching.model import EmployerMatcher
from iapublique.services.employer_matching.synthetic import generate_bulletins, generate_register

SMALL = 30_000


@dataclass
class Small:
    """The small register's folder, its frame, training and test bulletins, and a model trained on them."""

    folder: Path
    frame: pd.DataFrame
    train: pd.DataFrame
    test: pd.DataFrame
    model: EmployerMatcher


@pytest.fixture(scope="session")
def small(tmp_path_factory: pytest.TempPathFactory) -> Small:
    """Register of 30,000 establishments (seed 5), 3,000 training and 1,500 test bulletins, a fitted model."""
    root = tmp_path_factory.mktemp("registre")
    frame = generate_register(SMALL, seed=5)
    train = generate_bulletins(frame, 3_000, seed=6, id_prefix="E")
    test = generate_bulletins(frame, 1_500, seed=7, id_prefix="T")
    model = EmployerMatcher().attach(reg.synthetic_spec(SMALL, 5), root, frame)
    model.fit(train)
    return Small(Path(model.register_dir_), frame, train, test, model)
