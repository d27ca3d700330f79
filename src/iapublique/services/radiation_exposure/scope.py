"""Who sees which workers: dosimetry experts see everyone, a user attached to an employer sees its workers only.

A membership of the service's administration without a scope makes an expert (admins are experts too);
a membership whose scope is an employer's SIRET (``iapublique users attach EMAIL IRSN --perimetre SIRET``)
restricts its user to that employer's workers: on the service's own pages, and through
:meth:`RadiationExposureService.visible_rows` and ``may_submit`` on every generic surface of the platform.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from iapublique.core.service import RowError

if TYPE_CHECKING:
    from iapublique.core.service import Service
    from iapublique.core.store.models import User

SCOPE_FIELD = "employer_siret"
"""The Record and Result field a scope is compared with."""


def siret_key(value: object) -> str:
    """A SIRET without spaces, for comparisons."""
    return "".join(str(value).split())


def employer_scope(user: User, service: Service) -> frozenset[str] | None:
    """The employers (SIRET) a user is restricted to, or None for an expert who sees everything.

    Admins and members of the service's administration without a scope are experts; a user whose
    memberships of that administration all carry a scope sees those employers only.
    """
    if user.is_admin:
        return None
    scopes = [m.scope for m in user.memberships if m.administration == service.info.administration]
    if not scopes or any(not (scope or "").strip() for scope in scopes):
        return None
    return frozenset(siret_key(scope) for scope in scopes)


def in_scope(frame: pd.DataFrame, scope: frozenset[str]) -> np.ndarray:
    """Boolean mask of the rows whose employer is in ``scope`` (all False when the column is absent)."""
    if SCOPE_FIELD not in frame.columns:
        return np.zeros(len(frame), dtype=bool)
    employers = frame[SCOPE_FIELD].astype(object).where(frame[SCOPE_FIELD].notna(), "").astype(str)
    return np.asarray(employers.str.replace(r"\s+", "", regex=True).isin(scope).to_numpy(), dtype=bool)


def visible(frame: pd.DataFrame, scope: frozenset[str] | None) -> pd.DataFrame:
    """The rows of the workers a user may see (none when the frame lacks the employer column)."""
    if scope is None:
        return frame
    return frame[in_scope(frame, scope)]


def refused_rows(frame: pd.DataFrame, scope: frozenset[str] | None) -> list[RowError]:
    """Rows of workers outside ``scope``, as French row errors naming the employer field."""
    if scope is None:
        return []
    outside = np.flatnonzero(~in_scope(frame, scope))
    if SCOPE_FIELD not in frame.columns:
        return [RowError(line=0, field=SCOPE_FIELD, message=(
            "colonne manquante : votre accès est restreint à un employeur, chaque ligne doit donner "
            "le SIRET de l'employeur du travailleur."))]
    allowed = ", ".join(sorted(scope))
    plural = "aux employeurs" if len(scope) > 1 else "à l'employeur"
    values = frame[SCOPE_FIELD].to_numpy()
    return [
        RowError(line=int(i), field=SCOPE_FIELD, message=(
            f"SIRET « {values[i]} » hors de votre périmètre : votre accès est restreint {plural} {allowed} ; "
            "retirez les lignes des travailleurs des autres employeurs."))
        for i in outside
    ]
