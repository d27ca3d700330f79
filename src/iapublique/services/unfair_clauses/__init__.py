"""Service ``unfair_clauses`` (DGCCRF): unfair clauses and practices in contracts, quotes and invoices."""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from babel.numbers import format_decimal

from iapublique.core import documents
from iapublique.core.explain import Explanation, Factor, Highlight
from iapublique.core.service import BenchReport, BenchRow, ProgressFn, Service, ServiceInfo, no_progress
from iapublique.core.tables import TableError
from iapublique.services.unfair_clauses import evaluation, legal, synthetic
from iapublique.services.unfair_clauses.findings import Finding
from iapublique.services.unfair_clauses.legal import FAIR
from iapublique.services.unfair_clauses.model import (
    Analysis,
    ClauseClassifier,
    UnfairClausesModel,
    analyse_text,
    load_corpus,
)
from iapublique.services.unfair_clauses.schema import Record, Result
from iapublique.services.unfair_clauses.segment import segment

DATASETS = Path(__file__).resolve().parents[4].parent / "shared" / "datasets"


def _labelled_clauses(data: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Clauses of labelled documents: the expected unfair ones with their code, the others as fair."""
    texts: list[str] = []
    labels: list[str] = []
    if "truth_findings" not in data.columns:
        return texts, labels
    for text, truth in zip(data["text"], data["truth_findings"], strict=True):
        expected = {f["text"]: f["code"] for f in json.loads(truth or "[]") if f.get("text")}
        for clause in segment(str(text)):
            if clause.is_heading or len(clause.text.split()) < 5 or clause.text.count("|") >= 2:
                continue
            texts.append(clause.text)
            labels.append(expected.get(clause.text, FAIR))
    return texts, labels


def clause_metrics(model: UnfairClausesModel, texts: list[str], labels: list[str]) -> dict[str, float]:
    """Clause-level quality: black/grey-list detection precision/recall/F1 and exact item accuracy."""
    from iapublique.services.unfair_clauses.model import analyse_clauses
    from iapublique.services.unfair_clauses.segment import Clause

    positives = set(legal.BLACK_GREY_CODES)
    tp = fp = fn = 0
    item_hits: Counter[str] = Counter()
    item_total: Counter[str] = Counter()
    any_flag_fair = 0
    n_fair = 0
    for i, (text, label) in enumerate(zip(texts, labels, strict=True)):
        findings = analyse_clauses(model, [Clause(i, 0, len(text), text, "")])
        flagged = {f.code for f in findings if f.severity in (legal.NOIRE, legal.GRISE)}
        predicted_positive = bool(flagged & positives)
        truly_positive = label in positives
        if truly_positive:
            item_total[label] += 1
            if label in {f.code for f in findings}:
                item_hits[label] += 1
        if label == FAIR:
            n_fair += 1
            any_flag_fair += bool(findings)
        tp += predicted_positive and truly_positive
        fp += predicted_positive and not truly_positive
        fn += (not predicted_positive) and truly_positive
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    items = [c for c in legal.BLACK_GREY_CODES if item_total[c]]
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(2 * precision * recall / (precision + recall), 4) if precision + recall else 0.0,
        "item_accuracy": round(sum(item_hits.values()) / max(1, sum(item_total.values())), 4),
        "items_found": float(sum(1 for c in items if item_hits[c])),
        "items_total": float(len(items)),
        "fair_flag_rate": round(any_flag_fair / max(1, n_fair), 4),
        "n_clauses": float(len(texts)),
    }


class UnfairClausesService(Service):
    """Clause-by-clause report on terms, quotes and invoices, citing the code de la consommation."""

    info: ClassVar[ServiceInfo] = ServiceInfo(
        id="unfair_clauses",
        title="Clauses et pratiques abusives dans les contrats, devis et factures",
        administration="DGCCRF",
        administration_name="Direction générale de la concurrence, de la consommation et de la répression des fraudes",
        summary=(
            "Analyse clause par clause des conditions générales, devis et factures : repérage des clauses "
            "abusives des listes noire (R. 212-1) et grise (R. 212-2), de la médiation obligatoire interdite "
            "(L. 612-4) et des déséquilibres à examiner (L. 212-1), contrôle des mentions obligatoires et des "
            "calculs (HT, TVA, TTC), avec le fondement juridique, les mots déclencheurs et une explication. "
            "Chaque constat est une proposition que l'enquêteur confirme ou écarte."
        ),
        version="1.0.0",
    )
    Record: ClassVar[type[Record]] = Record
    Result: ClassVar[type[Result]] = Result
    truth_columns: ClassVar[tuple[str, ...]] = ("truth_kind", "truth_findings")
    key_field: ClassVar[str] = "document_id"
    demo_size: ClassVar[int] = 60
    document_types: ClassVar[tuple[str, ...]] = documents.DOCUMENT_TYPES

    # ---- contract --------------------------------------------------------------------------------

    def demo_data(self, size: int, seed: int = 0) -> pd.DataFrame:
        """Synthetic French terms, quotes and invoices with injected unfair clauses and errors."""
        return synthetic.generate(size, seed)

    def fit(self, data: pd.DataFrame, progress: ProgressFn = no_progress) -> UnfairClausesModel:
        """Train the clause classifier on the bundled French seed corpus plus the labelled clauses of ``data``."""
        progress(0, 2, "Lecture du corpus d'amorçage")
        texts, labels = load_corpus("seed_fr.tsv")
        extra_texts, extra_labels = _labelled_clauses(data)
        progress(1, 2, f"Entraînement sur {len(texts) + len(extra_texts)} clauses")
        model = UnfairClausesModel().fit(texts + extra_texts, labels + extra_labels)
        progress(2, 2, "Modèle entraîné")
        return model

    def run(self, model: Any, records: pd.DataFrame, progress: ProgressFn = no_progress) -> pd.DataFrame:
        """One report per document: kind, counts by severity, findings (JSON) and explanation."""
        rows = []
        total = len(records)
        for i, raw in enumerate(records.to_dict("records")):
            rec = {str(k): v for k, v in raw.items()}
            text = str(rec.get("text") or "")
            kind = str(rec.get("kind") or "").strip().lower()
            analysis = analyse_text(model, text, kind)
            rows.append(self._result_row(rec, analysis))
            if (i + 1) % 10 == 0 or i + 1 == total:
                progress(i + 1, total, "Analyse des documents")
        columns = [f for f in self.result_fields() if f != "model_version"]
        return pd.DataFrame(rows, columns=columns)

    def _result_row(self, rec: dict[str, Any], analysis: Analysis) -> dict[str, Any]:
        counts = Counter(f.severity for f in analysis.findings)
        score = max((f.probability for f in analysis.findings if f.family == "clause"), default=0.0)
        if any(f.family != "clause" for f in analysis.findings):
            score = max(score, max(f.probability for f in analysis.findings if f.family != "clause") * 0.9)
        return {
            "document_id": str(rec.get("document_id", "")),
            "kind": analysis.kind,
            "score": float(round(score, 4)),
            "n_noire": counts[legal.NOIRE],
            "n_grise": counts[legal.GRISE],
            "n_a_examiner": counts[legal.A_EXAMINER],
            "n_findings": len(analysis.findings),
            "findings": json.dumps([f.to_dict() for f in analysis.findings], ensure_ascii=False),
            "explanation": explain(analysis, rec.get("ocr_confidence")).to_json(),
        }

    def evaluate(self, model: Any, data: pd.DataFrame) -> dict[str, float]:
        """Finding-level precision/recall/F1 against ``truth_findings`` and kind accuracy."""
        results = self.run(model, data.drop(columns=[c for c in self.truth_columns if c in data.columns]))
        tp = fp = fn = 0
        kind_ok = 0
        for truth_kind, truth, res_kind, found in zip(
            data["truth_kind"], data["truth_findings"], results["kind"], results["findings"], strict=True
        ):
            expected = Counter(f["code"] for f in json.loads(truth or "[]"))
            got = Counter(f["code"] for f in json.loads(found))
            common = sum((expected & got).values())
            tp += common
            fp += sum(got.values()) - common
            fn += sum(expected.values()) - common
            kind_ok += truth_kind == res_kind
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        return {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(2 * precision * recall / (precision + recall), 4) if precision + recall else 0.0,
            "kind_accuracy": round(kind_ok / max(1, len(data)), 4),
            "n_documents": float(len(data)),
        }

    def trusted_types(self) -> list[str]:
        """The service's own model classes."""
        return [
            "iapublique.services.unfair_clauses.model.UnfairClausesModel",
            "iapublique.services.unfair_clauses.model.ClauseClassifier",
        ]

    # ---- documents -------------------------------------------------------------------------------

    def read_document(self, name: str, data: bytes) -> pd.DataFrame:
        """One Record row from an uploaded PDF, DOCX, HTML or text file (OCR for scanned PDFs)."""
        doc = documents.extract_text(name, data)
        stem = Path(name).stem or "document"
        return pd.DataFrame(
            [
                {
                    "document_id": stem,
                    "title": Path(name).name,
                    "kind": "",
                    "text": doc.text,
                    "language": "fr",
                    "ocr_confidence": doc.ocr_confidence,
                }
            ]
        )

    # ---- evaluations on public corpora and the French test set ---------------------------------------

    evaluate_options: ClassVar[dict[str, str]] = {
        "claudette": "Dossier du corpus CLAUDETTE (sentences/, tags/, lists/) : ses 5 plis par document",
        "lang": "Langue du corpus CLAUDETTE à évaluer (en, de, it… ; en par défaut)",
        "folds": "Plis CLAUDETTE à évaluer, séparés par des virgules (tous par défaut)",
        "legalbench": "Dossier de la copie LegalBench d'UNFAIR-ToS (data.tsv, étiquettes corrigées)",
        "renfort": (
            "Corpus CLAUDETTE dont les documents anglais non testés s'ajoutent à l'entraînement LegalBench "
            "(par défaut le dossier claudette voisin de --legalbench ; « non » : sans renfort)"
        ),
        "french": "« oui » : jeu de test français intégré (jamais utilisé pour l'entraînement)",
    }

    def evaluate_with(self, options: dict[str, str], progress: ProgressFn = no_progress) -> dict[str, float]:
        """``--claudette PATH [--lang en] [--folds 0,1]``, ``--legalbench PATH`` and/or ``--french oui``."""
        unknown = sorted(set(options) - set(self.evaluate_options))
        if unknown:
            known = ", ".join(f"--{k}" for k in self.evaluate_options)
            raise ValueError(f"option(s) inconnue(s) pour {self.info.id} : {', '.join(unknown)} ; options : {known}.")
        if ("lang" in options or "folds" in options) and "claudette" not in options:
            raise ValueError("--lang et --folds s'utilisent avec --claudette CHEMIN.")
        if "renfort" in options and "legalbench" not in options:
            raise ValueError("--renfort s'utilise avec --legalbench CHEMIN.")
        metrics: dict[str, float] = {}
        if "claudette" in options:
            folds = [int(x) for x in options["folds"].split(",")] if options.get("folds") else None
            metrics.update(self.evaluate_claudette(options["claudette"], options.get("lang", "en"), folds, progress))
        if "legalbench" in options:
            found = self.evaluate_legalbench(options["legalbench"], progress, options.get("renfort"))
            metrics.update(found if not metrics else {f"legalbench_{k}": v for k, v in found.items()})
        if options.get("french", "").lower() in ("oui", "yes", "1", "true"):
            found = self.evaluate_french()
            metrics.update(found if not metrics else {f"french_{k}": v for k, v in found.items()})
        return metrics or self.evaluate_files([], None, progress)

    def evaluate_claudette(
        self, path: str | Path, lang: str = "en", folds: list[int] | None = None, progress: ProgressFn = no_progress
    ) -> dict[str, float]:
        """CLAUDETTE's own 5 document-level folds: binary and category macro-F1, ours and the LinearSVC baseline."""
        try:
            return evaluation.evaluate_claudette(path, lang, folds=folds, progress=progress)
        except evaluation.DatasetMissing as exc:
            raise TableError(exc.path, str(exc)) from None

    def evaluate_legalbench(
        self, path: str | Path, progress: ProgressFn = no_progress, extra: str | Path | None = None
    ) -> dict[str, float]:
        """LexGLUE UNFAIR-ToS (LegalBench copy, labels corrected): micro/macro F1, ours and the baseline.

        ``extra``: the CLAUDETTE corpus whose untested English documents are added to each fold's
        training clauses; by default the ``claudette`` folder beside ``path`` when there is one, "non"
        for none.
        """
        if extra is None:
            extra = evaluation.default_extra_corpus(path)
        elif str(extra).strip().lower() in ("non", "no", "0", "false"):
            extra = None
        try:
            return evaluation.evaluate_legalbench(path, extra=extra, progress=progress)
        except evaluation.DatasetMissing as exc:
            raise TableError(exc.path, str(exc)) from None

    def evaluate_french(self, model: UnfairClausesModel | None = None) -> dict[str, float]:
        """Clause-level figures on the bundled French test set (never used for training or tuning)."""
        if model is None:
            model = self.fit(self.demo_data(self.demo_size, seed=0))
        texts, labels = load_corpus("test_fr.tsv")
        return clause_metrics(model, texts, labels)

    def benchmark(self, progress: ProgressFn = no_progress) -> BenchReport:
        """Ours vs TF-IDF + LinearSVC on the French test set and CLAUDETTE (en), and speed on 50 pages."""
        return run_benchmark(self, progress)


def explain(analysis: Analysis, ocr_confidence: Any = None) -> Explanation:
    """The French summary, main factors and highlighted passages of one document's report."""
    findings = analysis.findings
    kind_label = {"conditions": "conditions générales / contrat", "devis": "devis", "facture": "facture"}[analysis.kind]
    if not findings:
        n = len(analysis.clauses)
        summary = f"Document de type {kind_label} : aucune clause abusive ni anomalie détectée sur {n} passages."
    else:
        counts = Counter(f.severity for f in findings)
        parts = [f"{counts[s]} {s if s != legal.A_EXAMINER else 'à examiner'}" for s in legal.SEVERITIES if counts[s]]
        worst = max(findings, key=lambda f: (legal.SEVERITY_RANK[f.severity], f.probability))
        summary = (
            f"Document de type {kind_label} : {len(findings)} constat(s) ({', '.join(parts)}). "
            f"Le plus grave : {worst.category} ({worst.basis})."
        )
    factors = [
        Factor(label=f"{f.category} ({f.basis})", value=f.severity, weight=f.probability)
        for f in sorted(findings, key=lambda f: -f.probability)[:8]
    ]
    if ocr_confidence is not None and not (isinstance(ocr_confidence, float) and np.isnan(ocr_confidence)):
        factors.append(
            Factor(
                label="Texte obtenu par reconnaissance de caractères (confiance moyenne)",
                value=f"{float(ocr_confidence):.0f} %",
                weight=0.0,
            )
        )
    highlights = [
        Highlight(field="text", start=int(t["start"]), end=int(t["end"]), label=f"{f.basis} – {f.category}")
        for f in findings
        for t in f.triggers[:4]
    ]
    return Explanation(summary=summary, factors=factors, highlights=highlights[:200])


def analyse(text: str, kind: str = "", model: UnfairClausesModel | None = None) -> list[Finding]:
    """Findings of one text (for the page): trains the default model on the seed corpus when none is given."""
    return analyse_text(model or default_model(), text, kind).findings


_DEFAULT: dict[str, UnfairClausesModel] = {}


def default_model() -> UnfairClausesModel:
    """The model trained on the bundled seed corpus and demo data, built once per process."""
    if "model" not in _DEFAULT:
        service = UnfairClausesService()
        _DEFAULT["model"] = service.fit(service.demo_data(service.demo_size, seed=0))
    return _DEFAULT["model"]


def fifty_pages(seed: int = 0) -> str:
    """A long terms document (about 50 pages, 25,000 words) assembled from demo documents, for timing."""
    data = synthetic.generate(120, seed)
    texts = data.loc[data["truth_kind"] == "conditions", "text"].tolist()
    out: list[str] = []
    words = 0
    i = 0
    while words < 25_000:
        out.append(texts[i % len(texts)])
        words += len(texts[i % len(texts)].split())
        i += 1
    return "\n\n".join(out)


def run_benchmark(service: UnfairClausesService, progress: ProgressFn = no_progress) -> BenchReport:
    """The benchmark table: French test set, CLAUDETTE en (when present), and timing of a 50-page document."""
    report = BenchReport(service="unfair_clauses", dataset="jeu de test français (+ CLAUDETTE en si présent)")
    progress(0, 4, "Entraînement")
    model = service.fit(service.demo_data(service.demo_size, seed=0))
    ours = service.evaluate_french(model)
    seed_texts, seed_labels = load_corpus("seed_fr.tsv")
    demo_texts, demo_labels = _labelled_clauses(service.demo_data(service.demo_size, seed=0))
    baseline = UnfairClausesModel(classifier=_SVCBaseline()).fit(seed_texts + demo_texts, seed_labels + demo_labels)
    base = _baseline_french(baseline)
    progress(1, 4, "Jeu de test français")
    text = fifty_pages()
    t0 = time.process_time()
    analysis = analyse_text(model, text, "conditions")
    cpu = time.process_time() - t0
    report.rows.append(
        BenchRow(
            "ours FR",
            {
                "precision": ours["precision"],
                "recall": ours["recall"],
                "f1": ours["f1"],
                "items_found": ours["items_found"],
                "cpu_s_50_pages": round(cpu, 3),
            },
            "règles + TF-IDF mots/caractères + régression logistique, jeu de test français",
        )
    )
    report.rows.append(
        BenchRow(
            "baseline FR",
            {
                "precision": base["precision"],
                "recall": base["recall"],
                "f1": base["f1"],
                "items_found": base["items_found"],
            },
            "TF-IDF + LinearSVC sans règles, même entraînement, jeu de test français",
        )
    )
    report.notes.append(
        f"Document de 50 pages : {len(analysis.clauses)} passages, {len(text.split())} mots, "
        f"{format_decimal(round(cpu, 2), locale='fr_FR')} s de CPU (objectif ≤ 3 s)."
    )
    claudette = DATASETS / "claudette"
    progress(2, 4, "CLAUDETTE")
    if claudette.is_dir():
        r = evaluation.evaluate_claudette(claudette, "en")
        for name, prefix, note in (
            ("ours CLAUDETTE-en", "", "phrase + contexte, SVM linéaire, réglages en validation interne, 5 plis"),
            ("baseline CLAUDETTE-en", "baseline_", "TF-IDF + LinearSVC, mêmes plis"),
        ):
            report.rows.append(
                BenchRow(
                    name,
                    {
                        "precision": r[f"{prefix}precision"],
                        "recall": r[f"{prefix}recall"],
                        "f1": r[f"{prefix}binary_f1"],
                        "category_macro_f1": r[f"{prefix}category_macro_f1"],
                        "category_macro_f1_9": r[f"{prefix}category_macro_f1_9"],
                    },
                    note,
                )
            )
        report.rows.append(
            BenchRow(
                "publié CLAUDETTE-en",
                {"f1": 0.69, "category_macro_f1": 0.65},
                "README des jeux de données : TF-IDF + LinearSVC, plis EN",
            )
        )
        report.notes.append(
            "CLAUDETTE : f1 = F1 binaire (niveau 2 ou 3) ; category_macro_f1 sur les 8 catégories "
            "de CLAUDETTE (a, ch, cr, j, law, ltd, ter, use), category_macro_f1_9 avec pinc (vie privée)."
        )
    else:
        report.notes.append(f"CLAUDETTE absent ({claudette}) : partie ignorée.")
    progress(4, 4, "Terminé")
    return report


class _SVCBaseline(ClauseClassifier):
    """The French baseline: the same TF-IDF features and a LinearSVC, no rules."""

    def fit(self, texts: list[str], labels: list[str]) -> _SVCBaseline:
        """Fit vectorisers and a LinearSVC."""
        from sklearn.svm import LinearSVC

        self.word_, self.char_ = self._vectorizers()
        self.word_.fit(texts)
        self.char_.fit(texts)
        self.svc_ = LinearSVC(C=1.0).fit(self.features(texts), np.asarray(labels))
        self.classes_ = np.asarray(self.svc_.classes_, dtype=str)
        return self

    def predict(self, texts: list[str]) -> np.ndarray:
        """LinearSVC labels."""
        return np.asarray(self.svc_.predict(self.features(texts)), dtype=str)


def _baseline_french(model: UnfairClausesModel) -> dict[str, float]:
    texts, labels = load_corpus("test_fr.tsv")
    pred = model.classifier.predict(texts)
    positives = set(legal.BLACK_GREY_CODES)
    tp = sum(1 for p, y in zip(pred, labels, strict=True) if p in positives and y in positives)
    fp = sum(1 for p, y in zip(pred, labels, strict=True) if p in positives and y not in positives)
    fn = sum(1 for p, y in zip(pred, labels, strict=True) if p not in positives and y in positives)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    found = {y for p, y in zip(pred, labels, strict=True) if p == y and y in positives}
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(2 * precision * recall / (precision + recall), 4) if precision + recall else 0.0,
        "items_found": float(len(found)),
    }
