"""The method: a language-independent clause classifier and the analysis of one document into findings.

The classifier is TF-IDF over word 1–2-grams and character 2–5-grams (within word boundaries) with a
class-balanced logistic regression; it needs no language resource, so the same pipeline is trained on
the French seed corpus, on the CLAUDETTE corpus (en/de/it) and on LexGLUE's UNFAIR-ToS. The analysis
combines it with the French rule layer (rules.py) and, for quotes and invoices, the mentions and
arithmetic checks (mentions.py).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from iapublique.services.unfair_clauses import legal, mentions
from iapublique.services.unfair_clauses.findings import Finding
from iapublique.services.unfair_clauses.legal import FAIR
from iapublique.services.unfair_clauses.rules import apply_rules
from iapublique.services.unfair_clauses.segment import Clause, segment
from iapublique.services.unfair_clauses.textfold import fold

RULE_PRIOR = 0.9
"""Probability given to a rule hit when the classifier is less sure (rules were written for precision)."""


class ClauseClassifier:
    """TF-IDF word + character n-grams and a linear model; ``fit`` returns ``self`` (scikit-learn style)."""

    def __init__(
        self,
        C: float = 8.0,
        word_ngrams: tuple[int, int] = (1, 2),
        char_ngrams: tuple[int, int] = (2, 5),
        class_weight: str | None = "balanced",
        max_features: int = 300_000,
    ) -> None:
        self.C = C
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.class_weight = class_weight
        self.max_features = max_features

    def _vectorizers(self) -> tuple[TfidfVectorizer, TfidfVectorizer]:
        word = TfidfVectorizer(
            ngram_range=self.word_ngrams,
            strip_accents="unicode",
            sublinear_tf=True,
            min_df=1,
            max_features=self.max_features,
            token_pattern=r"(?u)\b\w+\b",
        )
        char = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=self.char_ngrams,
            strip_accents="unicode",
            sublinear_tf=True,
            min_df=2,
            max_features=self.max_features,
        )
        return word, char

    def features(self, texts: list[str]) -> sparse.csr_matrix:
        """Stacked word and character TF-IDF features of ``texts`` (after ``fit``)."""
        return sparse.hstack([self.word_.transform(texts), self.char_.transform(texts)]).tocsr()

    def fit(self, texts: list[str], labels: list[str]) -> ClauseClassifier:
        """Learn vocabularies and the linear model from labelled clauses."""
        self.word_, self.char_ = self._vectorizers()
        self.word_.fit(texts)
        self.char_.fit(texts)
        x = self.features(texts)
        self.clf_ = LogisticRegression(C=self.C, class_weight=self.class_weight, max_iter=3000)
        self.clf_.fit(x, np.asarray(labels))
        self.classes_ = np.asarray(self.clf_.classes_, dtype=str)
        self.n_word_ = len(self.word_.vocabulary_)
        self.word_terms_ = np.asarray(self.word_.get_feature_names_out(), dtype=str)
        return self

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        """Class probabilities, columns in ``classes_`` order."""
        if not texts:
            return np.zeros((0, len(self.classes_)))
        return np.asarray(self.clf_.predict_proba(self.features(texts)))

    def predict(self, texts: list[str]) -> np.ndarray:
        """Most probable label of each text."""
        return self.classes_[self.predict_proba(texts).argmax(axis=1)]

    def top_terms(self, text: str, label: str, k: int = 4) -> list[str]:
        """Word n-grams of ``text`` that push most towards ``label`` (for highlighting)."""
        idx = int(np.flatnonzero(self.classes_ == label)[0]) if label in self.classes_ else -1
        if idx < 0:
            return []
        row = self.word_.transform([text]).tocoo()
        coef = self.clf_.coef_
        weights = coef[idx if coef.shape[0] > 1 else 0, row.col] * row.data
        order = np.argsort(-weights)
        return [str(self.word_terms_[row.col[i]]) for i in order[:k] if weights[i] > 0]


@dataclass
class Analysis:
    """The analysis of one document: its kind, its clauses and its findings."""

    kind: str
    clauses: list[Clause]
    findings: list[Finding]


class UnfairClausesModel:
    """The fitted model of the service: the French clause classifier and its decision thresholds."""

    def __init__(self, threshold: float = 0.3, sure: float = 0.3, classifier: ClauseClassifier | None = None) -> None:
        self.threshold = threshold
        self.sure = sure
        self.classifier = classifier if classifier is not None else ClauseClassifier()
        self.n_train_ = 0

    def fit(self, texts: list[str], labels: list[str]) -> UnfairClausesModel:
        """Train the clause classifier on labelled French clauses."""
        self.classifier.fit(texts, labels)
        self.n_train_ = len(texts)
        return self


def load_corpus(name: str) -> tuple[list[str], list[str]]:
    """A bundled French corpus (``seed_fr.tsv`` or ``test_fr.tsv``): clause texts and labels."""
    data = resources.files("iapublique.services.unfair_clauses").joinpath("data", name).read_text(encoding="utf-8")
    texts: list[str] = []
    labels: list[str] = []
    for row in csv.DictReader(data.splitlines(), delimiter="\t", quoting=csv.QUOTE_NONE):
        texts.append(row["text"].strip())
        labels.append(row["label"].strip())
    return texts, labels


def _word_spans(clause_text: str, terms: list[str]) -> list[tuple[int, int]]:
    """Offsets in the clause of each term (terms are folded, as the word vectorizer sees them)."""
    folded = fold(clause_text)
    spans = []
    for term in terms:
        m = re.search(r"\b" + r"\W+".join(map(re.escape, term.split())) + r"\b", folded)
        if m:
            spans.append(m.span())
    return spans


def _trigger(clause: Clause, s: int, e: int) -> dict[str, Any]:
    return {"start": clause.start + s, "end": clause.start + e, "text": clause.text[s:e]}


def analyse_clauses(model: UnfairClausesModel, clauses: list[Clause]) -> list[Finding]:
    """Findings of the rule layer and the classifier over the clauses of a contract."""
    body = [c for c in clauses if not c.is_heading and len(c.text.split()) >= 5 and c.text.count("|") < 2]
    if not body:
        return []
    clf = model.classifier
    proba = clf.predict_proba([c.text for c in body])
    classes = list(clf.classes_)
    fair_idx = classes.index(FAIR) if FAIR in classes else -1
    findings: list[Finding] = []
    for clause, p in zip(body, proba, strict=True):
        hits = apply_rules(clause.text)
        if hits:
            for hit in hits:
                cat = legal.category(hit.code)
                prob = max(RULE_PRIOR, float(p[classes.index(hit.code)]) if hit.code in classes else 0.0)
                findings.append(_finding(cat, clause, [_trigger(clause, s, e) for s, e in hit.spans], prob, "règle"))
            continue
        order = np.argsort(-p)
        best = next((i for i in order if i != fair_idx), None)
        if best is None or p[best] < model.threshold or classes[best] not in legal.CATEGORIES:
            continue
        code = classes[best]
        cat = legal.category(code)
        terms = clf.top_terms(clause.text, code)
        triggers = [_trigger(clause, s, e) for s, e in _word_spans(clause.text, terms)]
        severity = cat.severity if p[best] >= model.sure else legal.A_EXAMINER
        findings.append(_finding(cat, clause, triggers, float(p[best]), "modèle", severity))
    return findings


def _finding(
    cat: legal.Category,
    clause: Clause,
    triggers: list[dict[str, Any]],
    prob: float,
    source: str,
    severity: str | None = None,
) -> Finding:
    words = ", ".join(f"« {t['text']} »" for t in triggers[:4])
    how = "Règle juridique déclenchée" if source == "règle" else "Signalé par le modèle appris"
    explanation = f"{cat.explanation} {how}" + (f" par : {words}." if words else ".")
    return Finding(
        code=cat.code,
        category=cat.label,
        basis=cat.basis,
        severity=severity or cat.severity,
        family=cat.family,
        clause_index=clause.index,
        start=clause.start,
        end=clause.end,
        triggers=triggers,
        explanation=explanation,
        probability=round(prob, 4),
        source=source,
    )


def analyse_text(model: UnfairClausesModel, text: str, kind: str = "") -> Analysis:
    """Analyse one document: detect its kind, segment it, find unfair clauses, missing mentions and errors."""
    detected = kind if kind in mentions.KINDS else mentions.detect_kind(text)
    clauses = segment(text)
    findings = analyse_clauses(model, clauses)
    findings.extend(mentions.check_mentions(text, detected))
    if detected in ("devis", "facture"):
        findings.extend(mentions.check_arithmetic(text, clauses))
    findings.sort(key=lambda f: (f.start, -legal.SEVERITY_RANK.get(f.severity, 0)))
    return Analysis(detected, clauses, findings)
