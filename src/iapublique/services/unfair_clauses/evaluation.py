"""Evaluation on public corpora (CLAUDETTE, LexGLUE UNFAIR-ToS via LegalBench) and on the French test set.

CLAUDETTE: the corpus's own five document-level folds (``corpus/lists/LIST_TRAIN_k`` / ``LIST_TEST_k``),
any language folder with the same layout. A sentence is unfair when one of its tags has level 2 or 3;
``binary_f1`` scores that decision, ``category_macro_f1`` averages over the categories the per-category
F1 of detecting unfair sentences of that category. Both our classifier and the TF-IDF + LinearSVC
baseline are trained on exactly the same folds.

LegalBench's copy of UNFAIR-ToS has permuted label names in ``data.tsv``; they are corrected with the
mapping published in the datasets README. Rows are in document order without a document id, so folds
are contiguous blocks (at most one document straddles a fold boundary).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, precision_score, recall_score
from sklearn.svm import LinearSVC

from iapublique.core.service import ProgressFn, no_progress

CLAUDETTE_CATEGORIES = ("a", "ch", "cr", "j", "law", "ltd", "ter", "use", "pinc")
LEGALBENCH_FIX = {
    "Arbitration": "Limitation of liability",
    "Limitation of liability": "Choice of law",
    "Choice of law": "Contract by using",
    "Contract by using": "Arbitration",
    "Jurisdiction": "Content removal",
    "Content removal": "Unilateral change",
    "Unilateral change": "Unilateral termination",
    "Unilateral termination": "Jurisdiction",
    "Other": "Other",
}
UNFAIR_CLASSES = (
    "Arbitration",
    "Choice of law",
    "Content removal",
    "Contract by using",
    "Jurisdiction",
    "Limitation of liability",
    "Unilateral change",
    "Unilateral termination",
)


class DatasetMissing(FileNotFoundError):
    """A public dataset folder that is not there, with a French message saying where it was expected."""


@dataclass
class Document:
    """One CLAUDETTE document: its sentences and, per sentence, the set of unfair categories."""

    name: str
    sentences: list[str]
    unfair: list[set[str]]


def _tags_to_unfair(line: str) -> set[str]:
    out = set()
    for tag in line.split():
        cat = tag.rstrip("0123456789")
        level = tag[len(cat) :]
        if cat in CLAUDETTE_CATEGORIES and level in ("2", "3"):
            out.add(cat)
    return out


def load_claudette(path: str | Path, lang: str = "en") -> dict[str, Document]:
    """All documents of one language folder, sentences aligned line by line with their tags."""
    root = Path(path)
    corpus = root / "corpus" if (root / "corpus").is_dir() else root
    sent_dir = corpus / "sentences" / lang / "original"
    tag_dir = corpus / "tags" / lang / "original"
    if not sent_dir.is_dir() or not tag_dir.is_dir():
        raise DatasetMissing(
            f"corpus CLAUDETTE introuvable pour la langue « {lang} » : dossiers attendus {sent_dir} et {tag_dir}."
        )
    docs: dict[str, Document] = {}
    for f in sorted(sent_dir.glob("*.txt")):
        sentences = f.read_text(encoding="utf-8", errors="replace").split("\n")
        tag_file = tag_dir / f.name
        tags = tag_file.read_text(encoding="utf-8", errors="replace").split("\n") if tag_file.exists() else []
        if sentences and sentences[-1] == "":
            sentences = sentences[:-1]
        tags = (tags + [""] * len(sentences))[: len(sentences)]
        docs[f.name] = Document(f.name, sentences, [_tags_to_unfair(t) for t in tags])
    return docs


def claudette_folds(path: str | Path) -> list[tuple[list[str], list[str]]]:
    """The corpus's own document-level folds: (training file names, test file names) per fold."""
    root = Path(path)
    lists = (root / "corpus" if (root / "corpus").is_dir() else root) / "lists"
    folds = []
    for k in range(10):
        train, test = lists / f"LIST_TRAIN_{k}.txt", lists / f"LIST_TEST_{k}.txt"
        if not (train.exists() and test.exists()):
            break
        folds.append(
            (
                [x.strip() for x in train.read_text().split("\n") if x.strip()],
                [x.strip() for x in test.read_text().split("\n") if x.strip()],
            )
        )
    if not folds:
        raise DatasetMissing(f"listes de plis CLAUDETTE introuvables dans {lists}.")
    return folds


def _vectorizers(word_ngrams: tuple[int, int] = (1, 2)) -> tuple[TfidfVectorizer, TfidfVectorizer]:
    word = TfidfVectorizer(
        ngram_range=word_ngrams, sublinear_tf=True, min_df=2, strip_accents="unicode", token_pattern=r"(?u)\b\w+\b"
    )
    char = TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=(2, 5),
        sublinear_tf=True,
        min_df=3,
        strip_accents="unicode",
        max_features=300_000,
    )
    return word, char


class SentenceSystem:
    """A sentence classifier: features prepared once per fold, then one decision per target."""

    def prepare(self, train: list[Document], test: list[Document]) -> None:
        """Fit vocabularies on the training sentences and build train/test feature matrices."""
        raise NotImplementedError

    def fit_predict(self, y_train: np.ndarray) -> np.ndarray:
        """Train on ``y_train`` (0/1 per training sentence) and return 0/1 decisions for the test sentences."""
        raise NotImplementedError


def _sentences(docs: list[Document]) -> list[str]:
    return [s for d in docs for s in d.sentences]


def _context(docs: list[Document]) -> tuple[list[str], list[str]]:
    prev: list[str] = []
    nxt: list[str] = []
    for d in docs:
        n = len(d.sentences)
        prev += [d.sentences[i - 1] if i > 0 else "" for i in range(n)]
        nxt += [d.sentences[i + 1] if i + 1 < n else "" for i in range(n)]
    return prev, nxt


class BaselineSVC(SentenceSystem):
    """The named baseline: TF-IDF word + character n-grams and a LinearSVC (C=1), sentence alone."""

    def prepare(self, train: list[Document], test: list[Document]) -> None:
        """Word 1-2-gram and character 2-5-gram TF-IDF of each sentence."""
        word, char = _vectorizers()
        tr, te = _sentences(train), _sentences(test)
        self.x_train = sparse.hstack([word.fit_transform(tr), char.fit_transform(tr)]).tocsr()
        self.x_test = sparse.hstack([word.transform(te), char.transform(te)]).tocsr()

    def fit_predict(self, y_train: np.ndarray) -> np.ndarray:
        """LinearSVC decisions."""
        if len(set(y_train.tolist())) < 2:
            return np.full(self.x_test.shape[0], int(y_train[0]))
        return np.asarray(LinearSVC(C=1.0).fit(self.x_train, y_train).predict(self.x_test))


class ContextLinear(SentenceSystem):
    """Ours: TF-IDF of the sentence and of its neighbours, class-weighted linear SVM, tuned threshold.

    The neighbouring sentences enter as separate, down-weighted blocks of the word vocabulary; the
    decision threshold maximises F1 on a held-out quarter of the training documents, so nothing is
    tuned on the test fold. For the binary decision, the unfair/fair model must agree with at least
    one category model (see ``evaluate_claudette``).
    """

    def __init__(self, C: float = 1.0, C_binary: float = 0.5, context_weight: float = 0.35) -> None:
        self.C = C
        self.C_binary = C_binary
        self.context_weight = context_weight
        self.binary = False

    def _x(self, word: TfidfVectorizer, char: TfidfVectorizer, docs: list[Document]) -> sparse.csr_matrix:
        texts = _sentences(docs)
        blocks = [word.transform(texts), char.transform(texts)]
        if self.context_weight > 0:
            prev, nxt = _context(docs)
            blocks += [self.context_weight * word.transform(prev), self.context_weight * word.transform(nxt)]
        return sparse.hstack(blocks).tocsr()

    def prepare(self, train: list[Document], test: list[Document]) -> None:
        """Features of training and test sentences with their neighbours; a document-level hold-out split."""
        word, char = _vectorizers()
        texts = _sentences(train)
        word.fit(texts)
        char.fit(texts)
        self.x_train = self._x(word, char, train)
        self.x_test = self._x(word, char, test)
        self.holdout = np.concatenate([np.full(len(d.sentences), i % 4 == 3) for i, d in enumerate(train)])

    def _clf(self, x: sparse.csr_matrix, y: np.ndarray) -> LinearSVC:
        c = self.C_binary if self.binary else self.C
        return LinearSVC(C=c, class_weight="balanced", max_iter=5000).fit(x, y)

    def fit_predict(self, y_train: np.ndarray) -> np.ndarray:
        """Decisions at the margin threshold that maximised F1 on the held-out training documents."""
        if len(set(y_train.tolist())) < 2:
            return np.full(self.x_test.shape[0], int(y_train[0]))
        threshold = 0.0
        inner, held = ~self.holdout, self.holdout
        if y_train[held].sum() >= 3 and len(set(y_train[inner].tolist())) == 2:
            scores = self._clf(self.x_train[inner], y_train[inner]).decision_function(self.x_train[held])
            grid = np.linspace(-1.0, 1.0, 41)
            f1s = [f1_score(y_train[held], scores >= t, zero_division=0) for t in grid]
            threshold = float(grid[int(np.argmax(f1s))])
        return (self._clf(self.x_train, y_train).decision_function(self.x_test) >= threshold).astype(int)


def _has(category: str) -> Callable[[set[str]], bool]:
    """Target function: the sentence is unfair in ``category``."""
    return lambda unfair: category in unfair


SYSTEMS: dict[str, Callable[[], SentenceSystem]] = {"ours": ContextLinear, "baseline": BaselineSVC}


def evaluate_claudette(
    path: str | Path,
    lang: str = "en",
    systems: tuple[str, ...] = ("ours", "baseline"),
    folds: list[int] | None = None,
    progress: ProgressFn = no_progress,
) -> dict[str, float]:
    """Binary and per-category F1 of ``systems`` on the corpus's document-level folds (pooled over folds)."""
    docs = load_claudette(path, lang)
    all_folds = claudette_folds(path)
    chosen = folds if folds is not None else list(range(len(all_folds)))
    present = [c for c in CLAUDETTE_CATEGORIES if any(c in u for d in docs.values() for u in d.unfair)]
    truth: dict[str, list[np.ndarray]] = {"binary": [], **{c: [] for c in present}}
    preds: dict[str, dict[str, list[np.ndarray]]] = {s: {k: [] for k in truth} for s in systems}
    steps = len(chosen) * len(systems)
    done = 0
    for k in chosen:
        train_names, test_names = all_folds[k]
        train = [docs[n] for n in train_names if n in docs]
        test = [docs[n] for n in test_names if n in docs]
        targets: dict[str, Callable[[set[str]], bool]] = {"binary": bool}
        targets.update({c: _has(c) for c in present})
        for key, fn in targets.items():
            truth[key].append(np.array([fn(u) for d in test for u in d.unfair], dtype=int))
        for s in systems:
            system = SYSTEMS[s]()
            system.prepare(train, test)
            for key, fn in targets.items():
                if isinstance(system, ContextLinear):
                    system.binary = key == "binary"
                preds[s][key].append(system.fit_predict(np.array([fn(u) for d in train for u in d.unfair], dtype=int)))
            if isinstance(system, ContextLinear):
                # A sentence is unfair when the binary model says so and one category model agrees.
                any_category = np.any([preds[s][c][-1] for c in present], axis=0)
                preds[s]["binary"][-1] = preds[s]["binary"][-1] & any_category
            done += 1
            progress(done, steps, f"CLAUDETTE {lang} : pli {k}, système {s}")
    out: dict[str, float] = {"n_folds": float(len(chosen)), "n_sentences": float(sum(len(t) for t in truth["binary"]))}
    for s in systems:
        yt = np.concatenate(truth["binary"])
        yp = np.concatenate(preds[s]["binary"])
        prefix = "" if s == "ours" else f"{s}_"
        out[f"{prefix}binary_f1"] = round(float(f1_score(yt, yp, zero_division=0)), 4)
        out[f"{prefix}precision"] = round(float(precision_score(yt, yp, zero_division=0)), 4)
        out[f"{prefix}recall"] = round(float(recall_score(yt, yp, zero_division=0)), 4)
        per_cat = {
            c: float(f1_score(np.concatenate(truth[c]), np.concatenate(preds[s][c]), zero_division=0)) for c in present
        }
        out[f"{prefix}category_macro_f1"] = round(float(np.mean(list(per_cat.values()))), 4)
        eight = [v for c, v in per_cat.items() if c != "pinc"]
        out[f"{prefix}category_macro_f1_8"] = round(float(np.mean(eight)), 4)
        for c, v in per_cat.items():
            out[f"{prefix}f1_{c}"] = round(v, 4)
    return out


def load_legalbench(path: str | Path) -> pd.DataFrame:
    """``data.tsv`` of the LegalBench UNFAIR-ToS copy with its label names corrected."""
    root = Path(path)
    f = root / "data.tsv" if root.is_dir() else root
    if not f.exists():
        raise DatasetMissing(f"fichier LegalBench UNFAIR-ToS introuvable : {f}.")
    data = pd.read_csv(f, sep="\t", quoting=3, dtype=str, keep_default_na=False)
    data["label"] = data["label"].str.strip().map(LEGALBENCH_FIX).fillna("Other")
    data["text"] = data["text"].str.strip()
    return data[["text", "label"]]


class _LegalBenchModel:
    """Single-label clause classifier for UNFAIR-ToS: word + character TF-IDF and a linear model."""

    def __init__(self, system: str) -> None:
        self.system = system

    def fit(self, texts: list[str], labels: np.ndarray) -> _LegalBenchModel:
        self.word, self.char = _vectorizers((1, 3) if self.system == "ours" else (1, 2))
        x = sparse.hstack([self.word.fit_transform(texts), self.char.fit_transform(texts)]).tocsr()
        if self.system == "ours":
            self.clf: LinearSVC | LogisticRegression = LinearSVC(C=0.5, class_weight="balanced").fit(x, labels)
        else:
            self.clf = LinearSVC(C=1.0).fit(x, labels)
        return self

    def predict(self, texts: list[str]) -> np.ndarray:
        x = sparse.hstack([self.word.transform(texts), self.char.transform(texts)]).tocsr()
        return np.asarray(self.clf.predict(x))


def _lexglue_f1(truth: np.ndarray, pred: np.ndarray, classes: list[str]) -> tuple[float, float]:
    """LexGLUE's micro/macro F1: one-hot over the unfair classes plus a "none" column for "Other"."""
    labels = [*classes, "Other"]
    return (
        float(f1_score(truth, pred, labels=labels, average="micro", zero_division=0)),
        float(f1_score(truth, pred, labels=labels, average="macro", zero_division=0)),
    )


def evaluate_legalbench(
    path: str | Path,
    systems: tuple[str, ...] = ("ours", "baseline"),
    n_folds: int = 5,
    progress: ProgressFn = no_progress,
) -> dict[str, float]:
    """Micro/macro F1 over the 8 unfair classes (and LexGLUE's convention with "Other"), contiguous folds."""
    data = load_legalbench(path)
    texts = data["text"].tolist()
    labels = data["label"].to_numpy()
    bounds = np.linspace(0, len(texts), n_folds + 1).astype(int)
    preds = {s: np.empty(len(texts), dtype=object) for s in systems}
    for k in range(n_folds):
        te = np.zeros(len(texts), dtype=bool)
        te[bounds[k] : bounds[k + 1]] = True
        tr_texts = [t for t, m in zip(texts, te, strict=True) if not m]
        te_texts = [t for t, m in zip(texts, te, strict=True) if m]
        for s in systems:
            preds[s][te] = _LegalBenchModel(s).fit(tr_texts, labels[~te]).predict(te_texts)
            progress(k + 1, n_folds, f"LegalBench : pli {k}, {s}")
    out: dict[str, float] = {"n_clauses": float(len(texts)), "n_folds": float(n_folds)}
    classes = list(UNFAIR_CLASSES)
    for s in systems:
        prefix = "" if s == "ours" else f"{s}_"
        p = preds[s].astype(str)
        out[f"{prefix}micro_f1"] = round(
            100 * float(f1_score(labels, p, labels=classes, average="micro", zero_division=0)), 2
        )
        out[f"{prefix}macro_f1"] = round(
            100 * float(f1_score(labels, p, labels=classes, average="macro", zero_division=0)), 2
        )
        micro, macro = _lexglue_f1(labels, p, classes)
        out[f"{prefix}lexglue_micro_f1"] = round(100 * micro, 2)
        out[f"{prefix}lexglue_macro_f1"] = round(100 * macro, 2)
    return out
