"""Employer scope of radiation_exposure: who sees which rows, who may submit which, failing closed."""

from __future__ import annotations

import pandas as pd

from iapublique.core.store.models import Membership, User
from iapublique.services.radiation_exposure import RadiationExposureService

SERVICE = RadiationExposureService()
ROWS = pd.DataFrame({"record_id": ["a", "b", "c", "d"],
                     "employer_siret": ["111 222 333 00011", "99999999900099", "11122233300011", None]})


def user(*memberships: tuple[str, str], admin: bool = False) -> User:
    """An unsaved user with these (administration, scope) memberships."""
    return User(email="x@y.fr", is_admin=admin,
                memberships=[Membership(administration=a, scope=s) for a, s in memberships])


def test_experts_and_admins_see_every_row_unchanged() -> None:
    for who in (user(("IRSN", "")), user(("IRSN", "11122233300011"), ("IRSN", "")), user(admin=True)):
        assert SERVICE.visible_rows(who, ROWS) is ROWS
        assert SERVICE.may_submit(who, ROWS) == []


def test_scoped_user_sees_and_submits_its_employer_only() -> None:
    scoped = user(("IRSN", "111 222 333 00011"), ("AUTRE", ""))
    seen = SERVICE.visible_rows(scoped, ROWS)
    assert seen["record_id"].tolist() == ["a", "c"] and seen.index.tolist() == [0, 2]
    errors = SERVICE.may_submit(scoped, ROWS)
    assert [(e.line, e.field) for e in errors] == [(1, "employer_siret"), (3, "employer_siret")]
    assert "« 99999999900099 » hors de votre périmètre" in errors[0].message
    assert "11122233300011" in errors[0].message


def test_scope_fails_closed_without_the_employer_column() -> None:
    scoped = user(("IRSN", "11122233300011"))
    bare = ROWS.drop(columns="employer_siret")
    assert SERVICE.visible_rows(scoped, bare).empty
    errors = SERVICE.may_submit(scoped, bare)
    assert len(errors) == 1 and errors[0].field == "employer_siret" and "colonne manquante" in errors[0].message


def test_results_carry_the_employer_of_each_record() -> None:
    data = SERVICE.demo_data(30, seed=3)
    model = SERVICE.fit(data)
    out = SERVICE.run(model, data.drop(columns=list(SERVICE.truth_columns)))
    assert (out["employer_siret"].to_numpy() == data["employer_siret"].to_numpy()).all()
