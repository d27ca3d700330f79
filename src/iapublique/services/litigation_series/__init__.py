"""Service ``litigation_series`` (Conseil d'État): detecting series of litigation among requêtes.

``fit`` clusters a corpus of requêtes into series (MinHash LSH for template near-duplicates, TF-IDF
neighbours for lawyers' rewrites, a pair model and clustering rules calibrated on the labelled corpus);
``run`` registers new requêtes against that index: the series they belong to (its head, the score and
the passages shared with the head), a possible new series, or nothing. Agents' decisions on series
(:mod:`decisions`) are replayed on every run, so a confirmed series is never broken up by the model.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from iapublique.core import documents
from iapublique.core.explain import Explanation, Factor, Highlight
from iapublique.core.service import BenchReport, ProgressFn, RowError, Service, ServiceInfo, no_progress
from iapublique.services.litigation_series import decisions as decisions_module
from iapublique.services.litigation_series import membership, synthetic, textindex
from iapublique.services.litigation_series.evaluation import evaluate_corpus, time_split
from iapublique.services.litigation_series.model import FEATURES, SeriesModel, registration_days
from iapublique.services.litigation_series.schema import STATUS_LABELS, Record, Result

if TYPE_CHECKING:
    from fastapi import APIRouter

EVAL_SIZE = 6_500
"""Requêtes of the generated evaluation corpus (5,200 clustered, 1,300 registered)."""
EVAL_SEED = 1
TRAIN_SEED_OFFSET = 1000
"""The calibration corpus uses seed 1000 + the evaluation seed: other series, acts and people."""
SHARED_NGRAM = 5
"""Words in a row two requêtes must share for a passage to be highlighted."""

FACTOR_LABELS: dict[str, str] = {
    "minhash_jaccard": "Passages identiques (Jaccard MinHash des triplets de mots)",
    "tfidf_cosine": "Vocabulaire commun (cosinus TF-IDF mots et paires de mots)",
    "char_jaccard": "Texte commun malgré les erreurs de lecture (triplets de 5 caractères)",
    "same_act": "Même acte attaqué (numéro ou date)",
    "different_act": "Acte attaqué différent",
    "ocr_noise": "Bruit de reconnaissance de caractères",
    "cosine_x_noise": "Vocabulaire commun, corrigé du bruit de lecture",
    "char_x_noise": "Texte commun, corrigé du bruit de lecture",
    "same_conclusions": "Mêmes conclusions (annulation, injonction, indemnisation…)",
    "different_conclusions": "Conclusions différentes",
}


@dataclass(frozen=True)
class SeriesView:
    """What registration needs of the series after the agents' decisions (computed once per decision set)."""

    state: decisions_module.SeriesState
    labels: np.ndarray
    ids: list[str]
    sizes: dict[str, int]
    positions: dict[str, int]


class _StateCache:
    """The series state of a model after the agents' decisions, recomputed only when decisions change."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.entries: dict[int, tuple[Any, tuple[int, int], SeriesView]] = {}

    def get(self, model: SeriesModel, decided: list[decisions_module.Decision]) -> SeriesView:
        """State, integer labels, series ids, sizes and case positions of ``model`` under ``decided``."""
        key = (len(decided), decided[-1].id if decided else 0)
        with self.lock:
            entry = self.entries.get(id(model))
            if entry is not None and entry[0] is model and entry[1] == key:
                return entry[2]
        state = series_state(model, decided)
        labels, ids = state.labels()
        sizes = {sid: int(n) for sid, n in zip(*np.unique(np.asarray(state.ids, dtype=object)[labels >= 0],
                                                              return_counts=True), strict=True)}
        view = SeriesView(state, labels, ids, sizes, {str(c): k for k, c in enumerate(model.case_ids_)})
        with self.lock:
            if len(self.entries) > 8:
                self.entries.clear()
            self.entries[id(model)] = (model, key, view)
        return view


_states = _StateCache()


def series_state(model: SeriesModel, decided: list[decisions_module.Decision]) -> decisions_module.SeriesState:
    """The model's clustering replayed through the agents' decisions."""
    return decisions_module.replay([str(c) for c in model.case_ids_], list(model.series_ids_), model.labels_, decided)


def series_name(model: SeriesModel, state: decisions_module.SeriesState, sid: str) -> str:
    """A series' name: the agents' one, else its contested act, else its id."""
    if sid in state.names:
        return state.names[sid]
    source = state.source.get(sid)
    if source is not None and source < len(model.series_acts_) and model.series_acts_[source]:
        act = model.series_acts_[source]
        return act[:1].upper() + act[1:150] + ("…" if len(act) > 150 else "")
    return f"Série {sid}"


def series_head(model: SeriesModel, state: decisions_module.SeriesState, sid: str) -> int:
    """Index of the head of a series: its earliest member (the model's head when it is still a member)."""
    source = state.source.get(sid)
    if source is not None and source < len(model.series_heads_):
        head = int(model.series_heads_[source])
        if state.ids[head] == sid:
            return head
    members = [k for k, s in enumerate(state.ids) if s == sid]
    return min(members, key=lambda k: (int(model.days_[k]), str(model.case_ids_[k]))) if members else -1


def shared_passages(text: str, other_masked: str, min_words: int = SHARED_NGRAM,
                    limit: int = 12) -> list[tuple[int, int]]:
    """Spans of ``text`` (raw) made of runs of at least ``min_words`` words also found in a row in ``other_masked``."""
    tokens = textindex.tokenize(text)
    words = tokens.words
    other = textindex.words_of(other_masked)
    if len(words) < min_words or len(other) < min_words:
        return []
    grams = {tuple(other[i:i + min_words]) for i in range(len(other) - min_words + 1)}
    covered = np.zeros(len(words), dtype=bool)
    for i in range(len(words) - min_words + 1):
        if tuple(words[i:i + min_words]) in grams:
            covered[i:i + min_words] = True
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(words):
        if covered[i]:
            j = i
            while j + 1 < len(words) and covered[j + 1] and tokens.starts[j + 1] - tokens.ends[j] <= 3:
                j += 1
            spans.append((int(tokens.starts[i]), int(tokens.ends[j])))
            i = j + 1
        else:
            i += 1
    spans.sort(key=lambda s: s[0] - s[1])
    return sorted(spans[:limit])


def _percent(p: float) -> str:
    """A probability as a French percentage."""
    return f"{round(100 * p):d} %"


class LitigationSeriesService(Service):
    """Requêtes in, their series out: existing series with its head, possible new series, or isolated."""

    info: ClassVar[ServiceInfo] = ServiceInfo(
        id="litigation_series",
        title="Détection des séries de contentieux",
        administration="CE",
        administration_name="Conseil d'État",
        summary=(
            "Repère, dans les requêtes enregistrées par les tribunaux administratifs, les séries de contentieux "
            "de masse (même modèle de requête ou réécritures d'avocats contre un même acte) : à l'enregistrement, "
            "la série d'une nouvelle requête, sa tête de série, le score et les passages communs surlignés, ou le "
            "début possible d'une nouvelle série ; sur un corpus, les séries avec leur taille, juridictions, "
            "période, acte attaqué et conclusions communes. Les données personnelles sont masquées avant "
            "l'indexation ; les agents confirment, fusionnent, scindent, renomment les séries et excluent des "
            "requêtes, et leurs décisions s'imposent aux calculs suivants."
        ),
        version="1.1.0",
    )
    Record: ClassVar[type[Record]] = Record
    Result: ClassVar[type[Result]] = Result
    truth_columns: ClassVar[tuple[str, ...]] = synthetic.TRUTH_COLUMNS
    key_field: ClassVar[str] = "case_id"
    demo_size: ClassVar[int] = 600
    document_types: ClassVar[tuple[str, ...]] = (".pdf", ".txt")

    # ---- contract --------------------------------------------------------------------------------

    def demo_data(self, size: int, seed: int = 0) -> pd.DataFrame:
        """Generated requêtes: series of mass litigation (templates and rewrites) and isolated ones."""
        return synthetic.generate(size, seed)

    def demo_batch(self, size: int = 50, seed: int = 1) -> pd.DataFrame:
        """New requêtes registered after the demo corpus: most join its series, the others are new or isolated."""
        data = synthetic.generate(self.demo_size, seed=0, follow_up=size, follow_seed=seed).iloc[-size:]
        return data.drop(columns=list(self.truth_columns)).reset_index(drop=True)

    def fit(self, data: pd.DataFrame, progress: ProgressFn = no_progress) -> SeriesModel:
        """Index and cluster the corpus; with a ``series`` column, calibrate the pair model and the rules on it."""
        return SeriesModel().fit(data, progress)

    def run(self, model: Any, records: pd.DataFrame, progress: ProgressFn = no_progress) -> pd.DataFrame:
        """Register each requête against the index, under the agents' decisions (series, new series or isolated)."""
        view = _states.get(model, decisions_module.load())
        state, ids, sizes, indexed = view.state, view.ids, view.sizes, view.positions
        progress(0, len(records), "Enregistrement des requêtes")
        texts = [str(t or "") for t in records["text"]]
        days = registration_days(records["registered_on"]) if "registered_on" in records.columns else None
        answers = model.assign(texts, days, labels=view.labels)
        rows = []
        case_ids = [str(c) for c in records["case_id"]]
        ocr = records["ocr_confidence"] if "ocr_confidence" in records.columns else pd.Series([None] * len(records))
        for i, (case, answer) in enumerate(zip(case_ids, answers, strict=True)):
            rows.append(self._result(model, state, ids, sizes, case, texts[i], answer, indexed.get(case),
                                     ocr.iloc[i]))
        progress(len(records), len(records), "Enregistrement terminé")
        columns = [f for f in self.result_fields() if f != "model_version"]
        return pd.DataFrame(rows, columns=columns)

    def _result(self, model: SeriesModel, state: decisions_module.SeriesState, ids: list[str], sizes: dict[str, int],
                case: str, text: str, answer: dict[str, Any], known: int | None, ocr: Any) -> dict[str, Any]:
        """One result row with its French explanation."""
        factors: list[Factor] = []
        highlights: list[Highlight] = []
        similar = [str(model.case_ids_[k]) for k in answer.get("similar", [])][:20]
        sid = ids[answer["series"]] if answer["series"] >= 0 else ""
        if sid and (case, sid) in state.excluded:
            sid = ""
        if known is not None:
            sid = state.ids[known]
            status = "serie" if sid else "isolee"
            score = 1.0 if sid else 0.0
            summary = (f"Requête déjà indexée : elle appartient à la série « {series_name(model, state, sid)} »."
                       if sid else "Requête déjà indexée, sans série.")
            head_case = str(model.case_ids_[series_head(model, state, sid)]) if sid else ""
        elif sid:
            head = series_head(model, state, sid)
            head_case = str(model.case_ids_[head]) if head >= 0 else ""
            status = "serie"
            score = float(answer["probability"])
            confirmed = " (série confirmée par un agent)" if sid in state.confirmed else ""
            head_text = model.head_texts_[state.source[sid]] if state.source.get(sid) is not None else ""
            spans = shared_passages(text, head_text) if head_text else []
            highlights = [Highlight(field="text", start=s, end=e, label="Passage commun avec la tête de série")
                          for s, e in spans]
            summary = (f"Appartient à la série « {series_name(model, state, sid)} »{confirmed} : "
                       f"{sizes.get(sid, 0)} requêtes, tête de série n° {head_case}, probabilité {_percent(score)}. "
                       f"{len(spans)} passage(s) commun(s) avec la tête de série surligné(s).")
        else:
            head_case = ""
            recent = len(similar) + len(answer.get("batch", []))
            score = float(answer["probability"])
            if recent + 1 >= max(2, model.min_size):
                status = "nouvelle_serie"
                shown = ", ".join(similar[:5]) or "dans le même lot"
                summary = (f"Aucune série existante, mais {recent} requête(s) récente(s) sans série lui ressemblent "
                           f"({shown}) : début possible d'une nouvelle série, à examiner.")
            else:
                status = "isolee"
                summary = (f"Requête isolée : aucune série ni requête récente assez proche (meilleure ressemblance "
                           f"{_percent(score)}, seuil {_percent(model.threshold)}).")
        x = answer.get("features")
        if answer.get("stage_features") is not None and known is None:
            values, changes = answer["stage_features"], answer["stage_contributions"]
            summary += (" Rattachée par comparaison à la série entière (ressemblance à l'ensemble de ses membres, "
                        "aucun membre isolément assez proche).")
            for k in np.argsort(-np.abs(changes))[:4]:
                shown = f"{float(values[k]):.2f}".replace(".", ",")
                factors.append(Factor(label=membership.LABELS[membership.FEATURES[k]], value=shown,
                                      weight=round(float(changes[k]), 3)))
        elif x is not None and known is None:
            contributions = np.asarray(x) * model.coef_
            for k in np.argsort(-np.abs(contributions))[:4]:
                if x[k] != 0:
                    shown = f"{float(x[k]):.2f}".replace(".", ",")
                    factors.append(Factor(label=FACTOR_LABELS[FEATURES[k]], value=shown,
                                          weight=round(float(contributions[k]), 3)))
        if ocr is not None and not (isinstance(ocr, float) and np.isnan(ocr)):
            factors.append(Factor(label="Texte obtenu par reconnaissance de caractères (confiance moyenne)",
                                  value=f"{float(ocr):.0f} %", weight=0.0))
        factors.append(Factor(label=STATUS_LABELS[status], value=sid or None, weight=0.0))
        return {
            "case_id": case,
            "status": status,
            "series_id": sid,
            "series_name": series_name(model, state, sid) if sid else "",
            "head_case": head_case,
            "similar_cases": " ; ".join(similar),
            "score": round(float(score), 4),
            "explanation": Explanation(summary=summary, factors=factors, highlights=highlights).to_json(),
        }

    def validate(self, records: pd.DataFrame) -> list[RowError]:
        """A requête needs some text (at least a few words) to be compared."""
        errors = []
        for line, text in enumerate(records["text"].fillna("").astype(str)):
            if len(textindex.TOKEN.findall(text)) < 3:
                errors.append(RowError(line, "text", "texte de la requête vide ou trop court (moins de 3 mots)."))
        return errors

    def evaluate(self, model: Any, data: pd.DataFrame) -> dict[str, float]:
        """Clustering of the earliest 80 % of ``data`` and registration of the rest (see :mod:`evaluation`)."""
        return evaluate_corpus(model, data)

    def split(self, data: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Time split: the earliest 80 % is indexed and calibrated on, the latest 20 % (never seen) measures it."""
        return time_split(data)

    def evaluate_files(self, train: Sequence[pd.DataFrame], test: pd.DataFrame | None,
                       progress: ProgressFn = no_progress) -> dict[str, float]:
        """Without files, the issue's measure; with a test file only, calibration on a generated corpus."""
        if not train and test is None:
            return self.evaluate_generated(EVAL_SIZE, EVAL_SEED, progress)
        if not train and test is not None:
            model = self.fit(self.demo_data(EVAL_SIZE, seed=TRAIN_SEED_OFFSET + EVAL_SEED), progress)
            return self.evaluate(model, test)
        return super().evaluate_files(train, test, progress)

    def evaluate_generated(self, size: int = EVAL_SIZE, seed: int = EVAL_SEED,
                           progress: ProgressFn = no_progress) -> dict[str, float]:
        """Calibrate on a generated corpus (seed 1000 + ``seed``), evaluate on another one of ``size`` requêtes."""
        progress(0, 2, "Calibrage sur un corpus d'entraînement généré")
        model = self.fit(self.demo_data(size, seed=TRAIN_SEED_OFFSET + seed))
        progress(1, 2, "Évaluation sur un autre corpus")
        return self.evaluate(model, self.demo_data(size, seed=seed))

    evaluate_options: ClassVar[dict[str, str]] = {
        "corpus": "Corpus étiqueté à mesurer (JSONL, CSV ou Parquet : id, text, métadonnées, series facultative) ; "
                  "calibrage sur un corpus généré",
        "taille": f"Requêtes du corpus généré (défaut : {EVAL_SIZE})",
        "graine": f"Graine du corpus généré (défaut : {EVAL_SEED} ; calibrage : {TRAIN_SEED_OFFSET} + graine)",
    }

    def evaluate_with(self, options: dict[str, str], progress: ProgressFn = no_progress) -> dict[str, float]:
        """``--corpus PATH`` (any labelled corpus), or ``--taille N --graine S`` for the generated measure."""
        unknown = sorted(set(options) - set(self.evaluate_options))
        if unknown:
            known = ", ".join(f"--{k}" for k in self.evaluate_options)
            raise ValueError(f"option(s) inconnue(s) pour {self.info.id} : {', '.join(unknown)} ; options : {known}.")
        values: dict[str, int] = {}
        for name, default in (("taille", EVAL_SIZE), ("graine", EVAL_SEED)):
            raw = options.get(name, str(default)).replace(" ", "").replace("_", "")
            try:
                values[name] = int(raw)
            except ValueError:
                raise ValueError(f"--{name} attend un nombre entier (reçu « {options[name]} »).") from None
        if values["taille"] < 100:
            raise ValueError("--taille doit valoir au moins 100.")
        if "corpus" in options:
            test = self.read_labelled(Path(options["corpus"]))
            model = self.fit(self.demo_data(values["taille"], seed=TRAIN_SEED_OFFSET + values["graine"]), progress)
            return self.evaluate(model, test)
        return self.evaluate_generated(values["taille"], values["graine"], progress)

    def trusted_types(self) -> list[str]:
        """The fitted index's class."""
        return ["iapublique.services.litigation_series.model.SeriesModel"]

    # ---- documents -------------------------------------------------------------------------------

    def read_document(self, name: str, data: bytes) -> pd.DataFrame:
        """One requête from a PDF (text layer, or OCR with its confidence) or a text file."""
        doc = documents.extract_text(name, data)
        stem = Path(name).stem or "requete"
        return pd.DataFrame([{"case_id": stem, "text": doc.text, "court": "", "registered_on": None, "matter": "",
                              "ocr_confidence": doc.ocr_confidence}])

    def benchmark(self, progress: ProgressFn = no_progress) -> BenchReport:
        """Ours vs BM25 top-k neighbours with a tuned threshold (the 2020 More-Like-This approach), speed."""
        from iapublique.services.litigation_series.bench import run_benchmark

        return run_benchmark(progress=progress)

    def web_router(self) -> APIRouter:
        """Corpus view, series pages with agents' actions, registration of a new requête (see ``web.py``)."""
        from iapublique.services.litigation_series.web import build_router

        return build_router(self)


__all__ = ["LitigationSeriesService"]
