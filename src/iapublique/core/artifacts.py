"""Fitted models on disk: a skops file (never plain pickle) beside a JSON manifest.

The manifest records the service and its version, the training-data hash, the metrics, the date and
the number of training rows; ``model_version`` derived from it is written on every result row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import skops.io as sio

from iapublique.core.service import Service

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
SAFE_PREFIXES = ("builtins.", "numpy.", "sklearn.", "scipy.", "collections.", "lightgbm.", "iapublique.")


class ArtifactError(ValueError):
    """A model file that cannot be stored or loaded, explained in French."""


@dataclass
class Manifest:
    """What is known of a fitted model, stored beside it as ``manifest.json``."""

    service: str
    service_version: str
    name: str
    data_hash: str
    n_rows: int
    created_at: str
    metrics: dict[str, float] = field(default_factory=dict)
    source: str = ""

    @property
    def version(self) -> str:
        """The model version written on results: service, method version, name and data hash."""
        return f"{self.service}-{self.service_version}:{self.name}@{self.data_hash[:10]}"


def data_hash(df: pd.DataFrame) -> str:
    """A stable hash of a DataFrame's content (column names and values)."""
    h = hashlib.sha256()
    h.update("\x1f".join(map(str, df.columns)).encode())
    h.update(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes())
    return h.hexdigest()


def file_hash(path: str | Path) -> str:
    """SHA-256 of a file's bytes (the audit log records it for every input)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def check_name(name: str) -> str:
    """A model name usable as a folder name, or a French error."""
    if not NAME_RE.match(name):
        raise ArtifactError(
            f"nom de modèle « {name} » invalide : lettres, chiffres, « _ », « - » et « . » seulement (64 au plus)."
        )
    return name


def model_dir(root: Path, service_id: str, name: str) -> Path:
    """Folder of one named model of a service."""
    return root / service_id / check_name(name)


def save(root: Path, service: Service, name: str, model: Any, manifest: Manifest) -> Path:
    """Persist ``model`` and its manifest atomically (temporary folder, then rename)."""
    target = model_dir(root, service.info.id, name)
    tmp = target.with_name(f".{name}.partial")
    tmp.mkdir(parents=True, exist_ok=True)
    sio.dump(model, tmp / "model.skops")
    (tmp / "manifest.json").write_text(json.dumps(asdict(manifest), ensure_ascii=False, indent=2), encoding="utf-8")
    if target.exists():
        old = target.with_name(f".{name}.old")
        os.replace(target, old)
        os.replace(tmp, target)
        for p in sorted(old.rglob("*"), reverse=True):
            p.unlink() if p.is_file() else p.rmdir()
        old.rmdir()
    else:
        os.replace(tmp, target)
    return target


def read_manifest(folder: Path) -> Manifest:
    """The manifest of a stored model."""
    return Manifest(**json.loads((folder / "manifest.json").read_text(encoding="utf-8")))


def load(root: Path, service: Service, name: str) -> tuple[Any, Manifest]:
    """Load a stored model, allowing only types that are known-safe or declared by the service."""
    folder = model_dir(root, service.info.id, name)
    if not (folder / "model.skops").exists():
        raise ArtifactError(
            f"aucun modèle « {name} » pour le service {service.info.id} : entraînez-le d'abord "
            f"(iapublique train {service.info.id} --input FICHIER --model {name})."
        )
    return load_file(folder / "model.skops", service), read_manifest(folder)


def load_file(path: Path, service: Service) -> Any:
    """Load a skops file after checking every type in it is trusted."""
    declared = set(service.trusted_types())
    untrusted = sio.get_untrusted_types(file=path)
    refused = [t for t in untrusted if t not in declared and not t.startswith(SAFE_PREFIXES)]
    if refused:
        raise ArtifactError(f"le modèle contient des types non autorisés : {', '.join(refused)}.")
    return sio.load(path, trusted=untrusted)


def new_manifest(service: Service, name: str, data: pd.DataFrame, metrics: dict[str, float], source: str) -> Manifest:
    """A manifest for a model fitted now on ``data``."""
    return Manifest(
        service=service.info.id,
        service_version=service.info.version,
        name=check_name(name),
        data_hash=data_hash(data),
        n_rows=len(data),
        created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        metrics=metrics,
        source=source,
    )
