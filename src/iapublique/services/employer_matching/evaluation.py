"""Quality figures of employer matching on labelled bulletins (the issue's must-show list)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from iapublique.services.employer_matching.model import EmployerMatcher, Scored, truth_siret


def figures(model: EmployerMatcher, data: pd.DataFrame, scored: Scored | None = None) -> dict[str, float]:
    """recall@100, top-1/5/10, auto-coding rate and precision, non-codable precision/recall, NAF top-1/5."""
    data = data.reset_index(drop=True)
    scored = scored if scored is not None else model.score(data)
    index = model.index()
    siret = truth_siret(data)
    codable = siret != ""
    rows = index.rows_of_sirets([s if s else "0" * 14 for s in siret])
    rows = np.where(codable, rows, -2)
    in_cands = pd.Series(False, index=range(len(data)))
    cands = scored.cands
    hit = cands[cands["row"].to_numpy() == rows[cands["q"].to_numpy()]]
    in_cands[np.unique(hit["q"].to_numpy())] = True
    top = scored.top_rows
    out: dict[str, float] = {}
    n_cod = max(1, int(codable.sum()))
    out["recall_at_100"] = float(in_cands[codable].sum() / n_cod)
    for k in (1, 5, 10):
        found = (top[:, :k] == rows[:, None]).any(axis=1)
        out[f"top{k}"] = float(found[codable].sum() / n_cod)
    auto = scored.auto
    out["autocode_rate"] = float(auto.mean()) if len(auto) else 0.0
    right = top[:, 0] == rows
    out["autocode_precision"] = float(right[auto].mean()) if auto.any() else 0.0
    flagged = scored.noncodable
    truth_nc = ~codable
    out["noncodable_precision"] = float(truth_nc[flagged].mean()) if flagged.any() else 0.0
    out["noncodable_recall"] = float(flagged[truth_nc].mean()) if truth_nc.any() else 0.0
    if "naf" in data.columns:
        naf = data["naf"].astype(object).where(data["naf"].notna(), "").astype(str).str.replace(".", "", regex=False)
        naf_arr = naf.to_numpy(dtype=str)
        has = naf_arr != ""
        if has.any():
            out["naf_top1"] = float((scored.naf_top[has, 0] == naf_arr[has]).mean())
            out["naf_top5"] = float((scored.naf_top[has] == naf_arr[has, None]).any(axis=1).mean())
    out["bulletins"] = float(len(data))
    out["register_establishments"] = float(index.n)
    return out
