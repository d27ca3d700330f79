"""Targeting on the page: scored batches ("lots") kept under a token, and the selection sized to a capacity.

A lot is one batch of declarations scored once (today's demo batch or an uploaded file), stored as
Parquet under ``data_dir/customs_fraud/lots/<token>`` with its metadata, so that re-ranking for another
capacity, filtering, paging and the detail view of one declaration never score it again. The demo lot's
token is derived from the model version (it can always be rebuilt from the demo seed); uploaded lots get
a random token and are removed after :data:`LOT_DAYS` days.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import secrets
import time
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import urlencode

import numpy as np
import pandas as pd

from iapublique.services.customs_fraud.model import select_for_inspection

LOT_DAYS = 7
"""Days an uploaded lot is kept (the demo lot is rebuilt on demand)."""
TOKEN_RE = re.compile(r"^[a-z0-9][a-z0-9-]{7,63}$")
PAGE_SIZE = 200
"""Selected declarations shown per page (the whole selection is downloadable as CSV)."""
DEFAULT_CAPACITY = "5"
DEFAULT_UNIT = "part"
DEFAULT_EXPLORATION = "10"
MAX_EXPLORATION = 50.0
"""Highest exploration share accepted (%): beyond it the list is no longer a targeting."""

Unit = Literal["nombre", "part"]


class SelectionError(ValueError):
    """A selection setting typed wrong, with the form field it concerns and a French message."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


# ---- lots ---------------------------------------------------------------------------------------------


@dataclass
class Lot:
    """A scored batch: its token, where it came from, the model version, and records joined with results."""

    token: str
    origin: str
    name: str
    model_version: str
    created: str
    frame: pd.DataFrame

    @property
    def is_demo(self) -> bool:
        """Whether this is the demo batch (rebuilt from its seed when missing)."""
        return self.origin == "demo"


def lots_dir(data_dir: Path) -> Path:
    """Folder of the stored lots."""
    return Path(data_dir) / "customs_fraud" / "lots"


def demo_token(model_version: str) -> str:
    """The demo lot's token: one per model version, so a retrained model gives a freshly scored demo."""
    return "demo-" + format(zlib.crc32(model_version.encode("utf-8")), "08x")


def new_token() -> str:
    """A random token for an uploaded lot (unguessable: lots hold the agents' data)."""
    return "lot-" + secrets.token_hex(12)


def valid_token(token: str) -> bool:
    """Whether a token has the shape of ours (never a path)."""
    return bool(TOKEN_RE.match(token or ""))


def save_lot(data_dir: Path, lot: Lot) -> None:
    """Write a lot atomically (Parquet + metadata), then remove expired uploaded lots."""
    folder = lots_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    meta = {"origin": lot.origin, "name": lot.name, "model_version": lot.model_version, "created": lot.created}
    tmp = folder / f".{lot.token}.{os.getpid()}.tmp"
    lot.frame.to_parquet(tmp, index=False)
    os.replace(tmp, folder / f"{lot.token}.parquet")
    tmp_meta = folder / f".{lot.token}.{os.getpid()}.json.tmp"
    tmp_meta.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp_meta, folder / f"{lot.token}.json")
    prune_lots(data_dir)


def load_lot(data_dir: Path, token: str) -> Lot | None:
    """The lot stored under ``token``, or None when it does not exist (or never could)."""
    if not valid_token(token):
        return None
    folder = lots_dir(data_dir)
    data, meta_path = folder / f"{token}.parquet", folder / f"{token}.json"
    if not data.exists() or not meta_path.exists():
        return None
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    return Lot(
        token,
        str(meta["origin"]),
        str(meta["name"]),
        str(meta["model_version"]),
        str(meta["created"]),
        pd.read_parquet(data),
    )


def prune_lots(data_dir: Path, max_age_days: float = LOT_DAYS) -> int:
    """Remove uploaded lots older than ``max_age_days``; returns how many were removed."""
    folder = lots_dir(data_dir)
    if not folder.exists():
        return 0
    limit = time.time() - max_age_days * 86400
    removed = 0
    for path in folder.glob("lot-*.parquet"):
        if path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)
            path.with_suffix(".json").unlink(missing_ok=True)
            removed += 1
    return removed


def lot_frame(records: pd.DataFrame, results: pd.DataFrame) -> pd.DataFrame:
    """Records and their results side by side (same order), as a lot stores them."""
    extra = results.drop(columns=[c for c in results.columns if c in records.columns]).reset_index(drop=True)
    return pd.concat([records.reset_index(drop=True), extra], axis=1)


def now_iso() -> str:
    """The current UTC time, ISO-formatted (lot creation)."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


# ---- selection settings -------------------------------------------------------------------------------


def parse_number(text: str) -> float:
    """A number typed the French way (``1 250,5``) or the English way (``1250.5``)."""
    cleaned = re.sub(r"[\s\u00a0\u202f]", "", text or "").replace(",", ".")
    if not cleaned:
        raise ValueError("vide")
    value = float(cleaned)
    if not np.isfinite(value):
        raise ValueError("non fini")
    return value


def parse_date(text: str) -> dt.date | None:
    """A date typed as ``2024-03-15`` (date field) or ``15/03/2024``; None when empty."""
    text = (text or "").strip()
    if not text:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


@dataclass(frozen=True)
class SelectionParams:
    """How many declarations to select, the exploration share, and the scope filters."""

    capacity: float = float(DEFAULT_CAPACITY)
    unit: Unit = "part"
    exploration: float = float(DEFAULT_EXPLORATION)
    office: str = ""
    chapter: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    page: int = 1

    @classmethod
    def parse(cls, values: Mapping[str, str]) -> SelectionParams:
        """Read the form or query fields (French names); a wrong value raises :class:`SelectionError`."""

        def get(name: str, default: str = "") -> str:
            raw = values.get(name)
            return raw.strip() if isinstance(raw, str) and raw.strip() else default

        unit = get("unite", DEFAULT_UNIT)
        if unit not in ("nombre", "part"):
            raise SelectionError("unite", "Unité de capacité inconnue : choisissez « déclarations » ou « % du lot ».")
        try:
            capacity = parse_number(get("capacite", DEFAULT_CAPACITY))
        except ValueError:
            capacity = -1.0
        if unit == "nombre" and (capacity < 1 or capacity != int(capacity)):
            raise SelectionError(
                "capacite", "Capacité invalide : indiquez un nombre entier de déclarations, au moins 1."
            )
        if unit == "part" and not 0 < capacity <= 100:
            raise SelectionError("capacite", "Capacité invalide : indiquez une part du lot entre 0 et 100 %.")
        try:
            exploration = parse_number(get("exploration", DEFAULT_EXPLORATION))
        except ValueError:
            exploration = -1.0
        if not 0 <= exploration <= MAX_EXPLORATION:
            raise SelectionError(
                "exploration",
                f"Part d'exploration invalide : indiquez un pourcentage entre 0 et {MAX_EXPLORATION:.0f}.",
            )
        chapter = get("chapitre")
        if chapter and not re.fullmatch(r"\d{2}", chapter):
            raise SelectionError("chapitre", "Chapitre du SH invalide : indiquez deux chiffres (par exemple 61).")
        dates: list[dt.date | None] = []
        for name, shown in (("du", "de début"), ("au", "de fin")):
            try:
                dates.append(parse_date(get(name)))
            except ValueError:
                raise SelectionError(name, f"Date {shown} invalide : utilisez le format jj/mm/aaaa.") from None
        if dates[0] and dates[1] and dates[1] < dates[0]:
            raise SelectionError("au", "Période invalide : la date de fin précède la date de début.")
        try:
            page = max(1, int(get("page", "1")))
        except ValueError:
            page = 1
        return cls(capacity, unit, exploration, get("bureau"), chapter, dates[0], dates[1], page)  # type: ignore[arg-type]

    def fields(self) -> dict[str, str]:
        """The settings as form/query fields (French names, values as typed back in the form)."""
        capacity = f"{self.capacity:g}".replace(".", ",")
        return {
            "capacite": capacity,
            "unite": self.unit,
            "exploration": f"{self.exploration:g}".replace(".", ","),
            "bureau": self.office,
            "chapitre": self.chapter,
            "du": self.date_from.isoformat() if self.date_from else "",
            "au": self.date_to.isoformat() if self.date_to else "",
        }

    def query(self, token: str, page: int | None = None) -> str:
        """The query string of this selection of lot ``token`` (empty filters left out)."""
        pairs = {"lot": token, **{k: v for k, v in self.fields().items() if v}}
        if (page or self.page) > 1:
            pairs["page"] = str(page or self.page)
        return urlencode(pairs)


# ---- the selection ------------------------------------------------------------------------------------


@dataclass
class Selection:
    """The declarations to inspect: ranked picks then exploration picks, with the scope they come from."""

    params: SelectionParams
    lot_size: int
    scope_size: int
    rows: pd.DataFrame
    """Selected lot rows (lot columns) plus ``position`` (1 = first), ``exploration`` and ``lot_row``."""
    clamped: bool = False
    """Whether the capacity asked for exceeded the declarations in scope."""
    notes: list[str] = field(default_factory=list)

    @property
    def size(self) -> int:
        """Declarations selected."""
        return len(self.rows)

    @property
    def n_exploration(self) -> int:
        """Declarations drawn below the cut for exploration."""
        return int(self.rows["exploration"].sum()) if len(self.rows) else 0

    @property
    def pages(self) -> int:
        """Number of pages of :data:`PAGE_SIZE` rows."""
        return max(1, -(-self.size // PAGE_SIZE))

    @property
    def page(self) -> int:
        """The page shown (clamped to the existing ones)."""
        return min(self.params.page, self.pages)

    def page_rows(self) -> pd.DataFrame:
        """The rows of the page shown."""
        start = (self.page - 1) * PAGE_SIZE
        return self.rows.iloc[start : start + PAGE_SIZE]


def scope_mask(frame: pd.DataFrame, params: SelectionParams) -> np.ndarray:
    """Rows of a lot inside the office / HS chapter / date filters."""
    mask = np.ones(len(frame), dtype=bool)
    if params.office:
        mask &= frame["office_id"].astype(str).to_numpy() == params.office
    if params.chapter:
        hs = frame["hs6_code"].astype(str).str.strip().str.zfill(6)
        mask &= (hs.str[:2] == params.chapter).to_numpy()
    if params.date_from or params.date_to:
        dates = pd.to_datetime(frame["date"], errors="coerce").dt.date
        if params.date_from:
            mask &= (dates >= params.date_from).fillna(False).to_numpy(dtype=bool)
        if params.date_to:
            mask &= (dates <= params.date_to).fillna(False).to_numpy(dtype=bool)
    return mask


def select(lot: Lot, params: SelectionParams) -> Selection:
    """Rank the lot's declarations in scope and keep the capacity, with the exploration share below the cut.

    The exploration draw is seeded by the lot's token, so the same lot and settings always give the
    same list (the detail view and the CSV agree with the page).
    """
    frame = lot.frame
    in_scope = np.flatnonzero(scope_mask(frame, params))
    n = len(in_scope)
    empty = frame.iloc[0:0].assign(
        position=pd.Series(dtype=int), exploration=pd.Series(dtype=bool), lot_row=pd.Series(dtype=int)
    )
    if n == 0:
        return Selection(params, len(frame), 0, empty)
    wanted = int(params.capacity) if params.unit == "nombre" else max(1, round(params.capacity / 100.0 * n))
    count = min(wanted, n)
    scores = pd.to_numeric(frame["score"], errors="coerce").fillna(0.0).to_numpy(dtype=float)[in_scope]
    picked = select_for_inspection(scores, count, params.exploration / 100.0, seed=zlib.crc32(lot.token.encode()))
    lot_rows = in_scope[picked["row"].to_numpy(dtype=int)]
    rows = frame.iloc[lot_rows].reset_index(drop=True)
    rows["position"] = np.arange(1, len(rows) + 1)
    rows["exploration"] = picked["exploration"].to_numpy(dtype=bool)
    rows["lot_row"] = lot_rows
    return Selection(params, len(frame), n, rows, clamped=wanted > n)


@dataclass(frozen=True)
class ScopeOptions:
    """What the filters can take in a lot: its offices, HS chapters (with counts) and date range."""

    offices: list[tuple[str, int]]
    chapters: list[tuple[str, int]]
    first_date: dt.date | None
    last_date: dt.date | None


def scope_options(frame: pd.DataFrame) -> ScopeOptions:
    """The filter choices of a lot, most frequent office first, chapters in code order."""
    offices = frame["office_id"].astype(str).value_counts()
    chapters = frame["hs6_code"].astype(str).str.strip().str.zfill(6).str[:2].value_counts().sort_index()
    dates = pd.to_datetime(frame["date"], errors="coerce").dropna()
    return ScopeOptions(
        [(str(k), int(v)) for k, v in offices.items()],
        [(str(k), int(v)) for k, v in chapters.items()],
        dates.min().date() if len(dates) else None,
        dates.max().date() if len(dates) else None,
    )
