"""Regenerates the bundled reference tables (communes, NAF) from ``../shared/datasets``.

Run ``python -m iapublique.services.employer_matching.build_data``; deterministic, and it skips with a
message when the shared datasets folder is absent (the bundled files are committed, so the service works
without it). Sources: INSEE's Code officiel géographique 2018 with coordinates, as published by
etalab-ia/ami-ia-insee-aiee2 (MIT), and the NAF rév. 2 nomenclature as published by InseeFrLab/codif-ape-train
(Apache-2.0).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

DATA_DIR = Path(__file__).parent / "data"
COMMUNES_FILE = DATA_DIR / "communes.csv.gz"
NAF_FILE = DATA_DIR / "naf.csv.gz"


def shared_datasets() -> Path | None:
    """The shared datasets folder (``../shared/datasets`` from the repository or the working directory)."""
    candidates = [Path.cwd() / "../shared/datasets", Path(__file__).resolve().parents[4] / "../shared/datasets"]
    for folder in candidates:
        if (folder / "cog-communes").is_dir() and (folder / "naf").is_dir():
            return folder.resolve()
    return None


def build_communes(folder: Path) -> pd.DataFrame:
    """Current communes (code, name, postcode, coordinates) plus merged ones pointing to their successor."""
    new = pd.read_csv(folder / "cog-communes" / "geo_cog_new_2018.csv", dtype=str)
    old = pd.read_csv(folder / "cog-communes" / "geo_cog_old_2018.csv", dtype=str)
    current = pd.DataFrame({
        "code": new["depcom"].str.zfill(5),
        "name": new["nccenr"],
        "name_upper": new["ncc"],
        "postcode": new["cp"].str.zfill(5),
        "lon": pd.to_numeric(new["longitude"], errors="coerce").round(4),
        "lat": pd.to_numeric(new["latitude"], errors="coerce").round(4),
        "successor": "",
    })
    current = current.dropna(subset=["lon", "lat"])
    merged = pd.DataFrame({
        "code": old["depcom"].str.zfill(5),
        "name": old["nccenr"],
        "name_upper": old["ncc"],
        "postcode": "",
        "lon": float("nan"),
        "lat": float("nan"),
        "successor": old["depcom_pole"].str.zfill(5),
    })
    merged = merged[merged["successor"].isin(set(current["code"])) & ~merged["code"].isin(set(current["code"]))]
    out = pd.concat([current, merged], ignore_index=True)
    return out.drop_duplicates("code").sort_values("code", kind="stable").reset_index(drop=True)


def build_naf(folder: Path) -> pd.DataFrame:
    """NAF rév. 2 subclasses with their class, group, division and section labels."""
    ext = pd.read_csv(folder / "naf" / "naf_extended.csv", dtype=str, index_col=0)
    out = pd.DataFrame({
        "code": ext["NIV5"].str.replace(".", "", regex=False),
        "label": ext["LIB_NIV5"],
        "group_label": ext["LIB_NIV3"],
        "division": ext["NIV2"],
        "division_label": ext["LIB_NIV2"],
        "section": ext["NIV1"],
        "section_label": ext["LIB_NIV1"],
    })
    return out.sort_values("code", kind="stable").reset_index(drop=True)


def main() -> int:
    """Write the bundled tables, or say why not."""
    folder = shared_datasets()
    if folder is None:
        print("Dossier ../shared/datasets absent : les tables livrées avec le service sont conservées.")
        return 0
    DATA_DIR.mkdir(exist_ok=True)
    communes = build_communes(folder)
    naf = build_naf(folder)
    # mtime=0 in the gzip header keeps the files byte-identical between runs
    communes.to_csv(COMMUNES_FILE, index=False, compression={"method": "gzip", "mtime": 0})
    naf.to_csv(NAF_FILE, index=False, compression={"method": "gzip", "mtime": 0})
    print(f"{len(communes)} communes et {len(naf)} codes NAF écrits dans {DATA_DIR}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
