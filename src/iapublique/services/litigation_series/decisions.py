"""Agents' decisions on series (confirm, rename, merge, split, exclude a requête) and how later runs apply them.

Decisions are rows of ``litigation_series_decisions`` (migration 0002), never updated nor deleted: the
state of the series is the model's clustering replayed through every decision in order. A confirmed
series pins its members at the time of confirmation, so a later clustering that splits them differently
cannot break it up; merges alias one series to another; a split pins the moved requêtes to a new series;
an exclusion takes one requête out of a series for good.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import JSON, ForeignKey, String, Text, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, Session, mapped_column

from iapublique.core.store.models import Base, User, UtcDateTime, utcnow

log = logging.getLogger(__name__)

ACTIONS: dict[str, str] = {
    "confirm": "Série confirmée",
    "rename": "Série renommée",
    "merge": "Séries fusionnées",
    "split": "Série scindée",
    "exclude": "Requête exclue de la série",
}
"""Decisions an agent can take, with their French label."""


class SeriesDecision(Base):
    """One agent's decision on a series (append-only)."""

    __tablename__ = "litigation_series_decisions"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    user_email: Mapped[str] = mapped_column(String(254), default="")
    action: Mapped[str] = mapped_column(String(16))
    series_id: Mapped[str] = mapped_column(String(120), index=True)
    target_series_id: Mapped[str] = mapped_column(String(120), default="")
    name: Mapped[str] = mapped_column(String(300), default="")
    case_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    comment: Mapped[str] = mapped_column(Text, default="")


@dataclass(frozen=True)
class Decision:
    """A decision as plain values (read once from the database, replayed on any model)."""

    id: int
    at: dt.datetime | None
    user_email: str
    action: str
    series_id: str
    target_series_id: str = ""
    name: str = ""
    case_ids: tuple[str, ...] = ()
    comment: str = ""


def add(s: Session, user: User | None, action: str, series_id: str, *, target_series_id: str = "", name: str = "",
        case_ids: list[str] | None = None, comment: str = "") -> SeriesDecision:
    """Store one decision (and an audit entry); French ``ValueError`` when it is incomplete."""
    from iapublique.core import audit

    if action not in ACTIONS:
        raise ValueError(f"décision inconnue « {action} » ; décisions possibles : {', '.join(ACTIONS)}.")
    if not series_id.strip():
        raise ValueError("indiquez la série concernée.")
    if action == "rename" and not name.strip():
        raise ValueError("indiquez le nouveau nom de la série.")
    if action == "merge" and (not target_series_id.strip() or target_series_id == series_id):
        raise ValueError("indiquez une autre série à fusionner avec celle-ci.")
    if action in ("split", "exclude", "confirm") and not case_ids:
        raise ValueError("sélectionnez au moins une requête.")
    row = SeriesDecision(
        user_id=user.id if user is not None else None,
        user_email=user.email if user is not None else "",
        action=action,
        series_id=series_id.strip(),
        target_series_id=target_series_id.strip(),
        name=name.strip()[:300],
        case_ids=[str(c) for c in (case_ids or [])],
        comment=comment.strip(),
    )
    s.add(row)
    s.flush()
    audit.record(s, f"litigation_series:{action}", user=user, service_id="litigation_series",
                 details={"decision": row.id, "series": row.series_id, "target": row.target_series_id,
                          "cases": len(row.case_ids)})
    return row


def to_plain(row: SeriesDecision) -> Decision:
    """A stored row as a plain :class:`Decision`."""
    return Decision(row.id, row.at, row.user_email, row.action, row.series_id, row.target_series_id, row.name,
                    tuple(str(c) for c in row.case_ids or ()), row.comment)


def listed(s: Session) -> list[Decision]:
    """Every decision, oldest first."""
    return [to_plain(r) for r in s.scalars(select(SeriesDecision).order_by(SeriesDecision.id))]


def load(url: str | None = None) -> list[Decision]:
    """Every decision from the configured database, or none when it cannot be read (no database, old schema)."""
    from iapublique.core.store.db import session_scope

    try:
        with session_scope(url) as s:
            return listed(s)
    except SQLAlchemyError as err:
        log.debug("décisions des agents illisibles : %s", err)
        return []


@dataclass
class SeriesState:
    """The series of an index after the agents' decisions: one id per requête, names, confirmations."""

    ids: list[str]
    """Series id of each indexed requête ('' = isolated)."""
    names: dict[str, str] = field(default_factory=dict)
    confirmed: dict[str, Decision] = field(default_factory=dict)
    excluded: set[tuple[str, str]] = field(default_factory=set)
    source: dict[str, int] = field(default_factory=dict)
    """Model cluster each series mostly comes from (for its act, conclusions, representative text)."""
    history: dict[str, list[Decision]] = field(default_factory=dict)

    def labels(self) -> tuple[np.ndarray, list[str]]:
        """Integer labels (-1 isolated) and the series id of each label."""
        order = sorted({i for i in self.ids if i})
        index = {sid: k for k, sid in enumerate(order)}
        return np.asarray([index[i] if i else -1 for i in self.ids], dtype=np.int64), order


def replay(case_ids: list[str], cluster_ids: list[str], labels: np.ndarray, decisions: list[Decision]) -> SeriesState:
    """Apply ``decisions`` in order to a clustering (``cluster_ids[label]`` per requête) and return the state."""
    alias: dict[str, str] = {}
    pinned: dict[str, str] = {}
    by_confirmation: set[str] = set()
    names: dict[str, str] = {}
    confirmed: dict[str, Decision] = {}
    excluded: set[tuple[str, str]] = set()
    history: dict[str, list[Decision]] = {}

    def resolve(sid: str) -> str:
        """The series a merged one now belongs to."""
        seen = set()
        while sid in alias and sid not in seen:
            seen.add(sid)
            sid = alias[sid]
        return sid

    for d in decisions:
        sid = resolve(d.series_id)
        history.setdefault(sid, []).append(d)
        if d.action == "confirm":
            confirmed[sid] = d
            for c in d.case_ids:
                pinned[c] = sid
                by_confirmation.add(c)
        elif d.action == "rename":
            names[sid] = d.name
        elif d.action == "merge":
            other = resolve(d.target_series_id)
            if other != sid:
                alias[other] = sid
                history.setdefault(sid, []).extend(history.pop(other, []))
                if other in confirmed:
                    confirmed.setdefault(sid, confirmed.pop(other))
                if other in names and sid not in names:
                    names[sid] = names.pop(other)
        elif d.action == "split":
            new = d.target_series_id or f"{sid}-scission-{d.id}"
            for c in d.case_ids:
                pinned[c] = new
                by_confirmation.discard(c)
            if d.name:
                names[new] = d.name
            history.setdefault(new, []).append(d)
        elif d.action == "exclude":
            for c in d.case_ids:
                excluded.add((c, sid))
                if pinned.get(c) == sid:
                    pinned[c] = ""

    n = len(case_ids)
    # A model cluster holding members pinned by a confirmation takes the confirmed series' id, so that new
    # requêtes the model puts with them join the confirmed series.
    cluster_target: dict[int, str] = {}
    votes: dict[int, Counter[str]] = {}
    for k in range(n):
        lab = int(labels[k])
        pin = pinned.get(case_ids[k], "") if case_ids[k] in by_confirmation else ""
        if lab >= 0 and pin:
            votes.setdefault(lab, Counter())[resolve(pin)] += 1
    for lab, counter in votes.items():
        cluster_target[lab] = counter.most_common(1)[0][0]
    ids: list[str] = []
    source_votes: dict[str, Counter[int]] = {}
    for k in range(n):
        lab = int(labels[k])
        sid = cluster_target.get(lab, cluster_ids[lab]) if lab >= 0 else ""
        sid = resolve(sid) if sid else ""
        case = case_ids[k]
        if case in pinned:
            sid = resolve(pinned[case]) if pinned[case] else ""
        if sid and (case, sid) in excluded:
            sid = ""
        ids.append(sid)
        if sid and lab >= 0:
            source_votes.setdefault(sid, Counter())[lab] += 1
    source = {sid: counter.most_common(1)[0][0] for sid, counter in source_votes.items()}
    return SeriesState(ids, {resolve(k): v for k, v in names.items()}, confirmed, excluded, source, history)
