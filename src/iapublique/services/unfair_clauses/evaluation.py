"""Evaluation on public corpora (CLAUDETTE, LexGLUE UNFAIR-ToS via LegalBench) and on the French test set.

CLAUDETTE: the corpus's own five document-level folds (``corpus/lists/LIST_TRAIN_k`` / ``LIST_TEST_k``),
any language folder with the same layout. A sentence is unfair when one of its tags has level 2 or 3;
``binary_f1`` scores that decision, ``category_macro_f1`` averages over the 8 ToS categories the
per-category F1 of detecting unfair sentences of that category (``category_macro_f1_9`` adds ``pinc``).
Both our classifier and the TF-IDF + LinearSVC baseline are trained on exactly the same folds.

LegalBench's copy of UNFAIR-ToS has permuted label names in ``data.tsv``; they are corrected with the
mapping published in the datasets README (checked: the 158 clauses of ``unfair-only-test.tsv``, which
is labelled correctly, all get their label back). Rows are in document order without a document id, so
folds are contiguous blocks whose boundaries are moved to the nearest dated document header ("last
updated : ..."): on this copy the 5 folds start at rows 0, 651, 1593, 2243 and 3109, all document
starts, so no document is split between training and test. The copy holds only LexGLUE's validation
and test documents; each fold may also learn from the English CLAUDETTE documents, newer terms of the
same annotation scheme, minus those that are versions of a tested document (``claudette_segments``).

The copy's first 1,593 rows are LexGLUE's test documents (1,607 sentences less the multi-label ones, which
LegalBench dropped), the rest its validation documents: the published scores were measured on that test
part, so it is also scored alone, learning from the validation part (``lexglue_test_*``), next to a
document bootstrap interval of the folds' macro-F1.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import f1_score, precision_score, recall_score
from sklearn.svm import LinearSVC

from iapublique.core.service import ProgressFn, no_progress

TOS_CATEGORIES = ("a", "ch", "cr", "j", "law", "ltd", "ter", "use")
"""The 8 unfair-clause categories of the CLAUDETTE Terms-of-Service scheme (Lippi et al. 2019)."""
CLAUDETTE_CATEGORIES = (*TOS_CATEGORIES, "pinc")
"""With ``pinc`` (privacy), the extra tag of the multilingual corpus (Galassi et al. 2024)."""
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

    def __init__(self, message: str, path: str | Path) -> None:
        super().__init__(message)
        self.path = str(path)


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
            f"corpus CLAUDETTE introuvable pour la langue « {lang} » : dossiers attendus {sent_dir} et {tag_dir}.",
            path,
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
        raise DatasetMissing(f"listes de plis CLAUDETTE introuvables dans {lists}.", path)
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


class SentenceSystem(ABC):
    """A sentence classifier: features prepared once per fold, then one decision per target."""

    @abstractmethod
    def prepare(self, train: list[Document], test: list[Document]) -> None:
        """Fit vocabularies on the training sentences and build train/test feature matrices."""

    @abstractmethod
    def fit_predict(self, y_train: np.ndarray) -> np.ndarray:
        """Train on ``y_train`` (0/1 per training sentence) and return 0/1 decisions for the test sentences."""


def _sentences(docs: list[Document]) -> list[str]:
    return [s for d in docs for s in d.sentences]


def _neighbours(documents: list[list[str]]) -> tuple[list[str], list[str]]:
    """Previous and next sentence of each sentence, within its document ("" at either end)."""
    prev: list[str] = []
    nxt: list[str] = []
    for sentences in documents:
        if not sentences:
            continue
        prev += ["", *sentences[:-1]]
        nxt += [*sentences[1:], ""]
    return prev, nxt


def _context(docs: list[Document]) -> tuple[list[str], list[str]]:
    return _neighbours([d.sentences for d in docs])


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


SYSTEMS: dict[str, Callable[[], SentenceSystem]] = {"baseline": BaselineSVC}
"""The other systems that ``evaluate_claudette`` can run beside ours."""

C_GRID = (0.25, 0.5, 1.0)
"""Regularisation values tried by the inner cross-validation (LinearSVC, class-balanced)."""
THRESHOLDS = np.linspace(-1.0, 1.0, 41)
"""Margin thresholds tried by the inner cross-validation."""
INNER_FOLDS = 3
"""Inner folds, by document, over the training documents of one outer fold."""
SOFT_WEIGHTS = (0.0, 0.25, 0.5, 0.75)
"""Weights of the binary model in the soft combination ``w * binary + (1 - w) * max over categories``."""
COMBINATIONS = ("binary", "binary_and_category", "any_category", *(f"soft_{w:g}" for w in SOFT_WEIGHTS))
"""Ways of deciding that a sentence is unfair, chosen by inner cross-validation."""
SOFT_THRESHOLDS = np.linspace(-0.6, 0.6, 49)
"""Thresholds tried on the soft combination of centred margins."""


def _best_threshold(scores: np.ndarray, y: np.ndarray, grid: np.ndarray = THRESHOLDS) -> tuple[float, float]:
    """Threshold of ``grid`` that maximises F1 of ``scores >= t`` against ``y``, and that F1."""
    f1s = [f1_score(y, scores >= t, zero_division=0) for t in grid]
    i = int(np.argmax(f1s))
    return float(grid[i]), float(f1s[i])


class ContextLinear:
    """Ours: TF-IDF of the sentence and of its neighbours, class-balanced LinearSVC, nested tuning.

    Fixed (the usual settings for TF-IDF linear text classifiers): word 1–2-grams and character
    2–5-grams with sublinear tf, the previous and next sentences as separate word blocks weighted 0.35
    (a weight kept from an earlier version, which had looked at outer fold 0; not re-tuned).
    Chosen on each outer fold by an inner cross-validation over its training documents only
    (``INNER_FOLDS`` document groups, out-of-fold margins): the C of the binary model and its
    threshold; one C shared by the category models with either the default threshold 0 or a
    per-category threshold (the pair with the best inner macro-F1); how the binary decision combines the
    binary and category models — the binary model alone, binary and at least one category, at least
    one category, or a soft combination ``w * binary + (1 - w) * max over categories`` of the margins
    centred on their thresholds, with its own threshold (``SOFT_WEIGHTS``). The test documents are
    never looked at.
    """

    def __init__(self, context_weight: float = 0.35) -> None:
        self.context_weight = context_weight
        self.choices: dict[str, float] = {}

    def _x(self, word: TfidfVectorizer, char: TfidfVectorizer, docs: list[Document]) -> sparse.csr_matrix:
        texts = _sentences(docs)
        blocks = [word.transform(texts), char.transform(texts)]
        if self.context_weight > 0:
            prev, nxt = _context(docs)
            blocks += [self.context_weight * word.transform(prev), self.context_weight * word.transform(nxt)]
        return sparse.hstack(blocks).tocsr()

    def prepare(self, train: list[Document], test: list[Document]) -> None:
        """Features of training and test sentences with their neighbours; inner document groups."""
        word, char = _vectorizers()
        texts = _sentences(train)
        word.fit(texts)
        char.fit(texts)
        self.x_train = self._x(word, char, train)
        self.x_test = self._x(word, char, test)
        self.group = np.concatenate([np.full(len(d.sentences), i % INNER_FOLDS) for i, d in enumerate(train)])

    def _margins(self, y: np.ndarray) -> dict[float, tuple[np.ndarray, np.ndarray]]:
        """Per C: out-of-fold margins on the training sentences and margins on the test sentences."""
        out = {}
        for c in C_GRID:
            oof = np.zeros(len(y))
            for g in range(INNER_FOLDS):
                m = self.group == g
                if len(set(y[~m].tolist())) < 2:
                    oof[m] = -1.0 if y[~m][0] == 0 else 1.0
                    continue
                oof[m] = _svc(c).fit(self.x_train[~m], y[~m]).decision_function(self.x_train[m])
            out[c] = (oof, _svc(c).fit(self.x_train, y).decision_function(self.x_test))
        return out

    def predict(
        self, targets: dict[str, np.ndarray], progress: Callable[[str], None] = lambda key: None
    ) -> dict[str, np.ndarray]:
        """0/1 test decisions for every target (``binary`` and categories), all settings chosen inside."""
        inner: dict[str, np.ndarray] = {}
        test: dict[str, np.ndarray] = {}
        centred: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        cats = [k for k in targets if k != "binary"]
        margins: dict[str, dict[float, tuple[np.ndarray, np.ndarray]]] = {}
        for key, y in targets.items():
            if len(set(y.tolist())) < 2:
                inner[key] = np.full(len(y), int(y[0]))
                test[key] = np.full(self.x_test.shape[0], int(y[0]))
                continue
            margins[key] = self._margins(y)
            progress(key)
        if "binary" in margins:
            y = targets["binary"]
            c, t, _ = max(((c, *_best_threshold(margins["binary"][c][0], y)) for c in C_GRID), key=lambda r: r[2])
            centred["binary"] = (margins["binary"][c][0] - t, margins["binary"][c][1] - t)
            self.choices.update({"c_binary": c, "threshold_binary": t})
        tuned = [k for k in cats if k in margins]
        if tuned:
            best_f, best_c, best_th = -1.0, C_GRID[0], {k: 0.0 for k in tuned}
            for c in C_GRID:
                for per_category in (False, True):
                    th = {k: _best_threshold(margins[k][c][0], targets[k])[0] if per_category else 0.0 for k in tuned}
                    f = float(np.mean([f1_score(targets[k], margins[k][c][0] >= th[k]) for k in tuned]))
                    if f > best_f:
                        best_f, best_c, best_th = f, c, th
            centred.update({k: (margins[k][best_c][0] - best_th[k], margins[k][best_c][1] - best_th[k]) for k in tuned})
            per_category = any(v != 0.0 for v in best_th.values())
            self.choices.update({"c_categories": best_c, "category_thresholds": float(per_category)})
        for key, (oof, out) in centred.items():
            inner[key] = (oof >= 0).astype(int)
            test[key] = (out >= 0).astype(int)
        if tuned and "binary" in centred:
            y = targets["binary"]
            any_inner = np.any([inner[k] for k in cats], axis=0).astype(int)
            any_test = np.any([test[k] for k in cats], axis=0).astype(int)
            options = {
                "binary": (inner["binary"], test["binary"]),
                "binary_and_category": (inner["binary"] & any_inner, test["binary"] & any_test),
                "any_category": (any_inner, any_test),
            }
            top = [np.max([centred[k][i] for k in tuned], axis=0) for i in (0, 1)]
            soft_t = {}
            for w in SOFT_WEIGHTS:
                score = [w * centred["binary"][i] + (1 - w) * top[i] for i in (0, 1)]
                t, _ = _best_threshold(score[0], y, SOFT_THRESHOLDS)
                soft_t[f"soft_{w:g}"] = t
                options[f"soft_{w:g}"] = ((score[0] >= t).astype(int), (score[1] >= t).astype(int))
            name = max(COMBINATIONS, key=lambda n: f1_score(y, options[n][0], zero_division=0))
            test["binary"] = options[name][1]
            self.choices["combination"] = float(COMBINATIONS.index(name))
            self.choices["combination_threshold"] = soft_t.get(name, 0.0)
        return test


def _svc(c: float) -> LinearSVC:
    """The class-balanced linear SVM of ``ContextLinear``."""
    return LinearSVC(C=c, class_weight="balanced", max_iter=5000)


def _has(category: str) -> Callable[[set[str]], bool]:
    """Target function: the sentence is unfair in ``category``."""
    return lambda unfair: category in unfair


def evaluate_claudette(
    path: str | Path,
    lang: str = "en",
    systems: tuple[str, ...] = ("ours", "baseline"),
    folds: list[int] | None = None,
    progress: ProgressFn = no_progress,
) -> dict[str, float]:
    """Binary and per-category F1 of ``systems`` on the corpus's document-level folds (pooled over folds).

    ``category_macro_f1`` averages the 8 unfair-clause categories of the CLAUDETTE ToS scheme (a, ch, cr,
    j, law, ltd, ter, use); ``category_macro_f1_9`` adds the privacy tag ``pinc`` of the multilingual
    corpus. ``inner_fold{k}_*`` report what the inner cross-validation chose on outer fold k (C values,
    binary threshold, 1.0 when per-category thresholds won over 0, the index in ``COMBINATIONS`` and,
    for a soft combination, its threshold).
    """
    docs = load_claudette(path, lang)
    all_folds = claudette_folds(path)
    chosen = folds if folds is not None else list(range(len(all_folds)))
    present = [c for c in CLAUDETTE_CATEGORIES if any(c in u for d in docs.values() for u in d.unfair)]
    truth: dict[str, list[np.ndarray]] = {"binary": [], **{c: [] for c in present}}
    preds: dict[str, dict[str, list[np.ndarray]]] = {s: {k: [] for k in truth} for s in systems}
    steps = len(chosen) * len(systems)
    done = 0
    choices: dict[str, float] = {}
    for k in chosen:
        train_names, test_names = all_folds[k]
        train = [docs[n] for n in train_names if n in docs]
        test = [docs[n] for n in test_names if n in docs]
        targets: dict[str, Callable[[set[str]], bool]] = {"binary": bool}
        targets.update({c: _has(c) for c in present})
        for key, fn in targets.items():
            truth[key].append(np.array([fn(u) for d in test for u in d.unfair], dtype=int))
        y_train = {key: np.array([fn(u) for d in train for u in d.unfair], dtype=int) for key, fn in targets.items()}
        for s in systems:
            if s == "ours":
                ours = ContextLinear()
                ours.prepare(train, test)
                step = f"CLAUDETTE {lang} : pli {k}, cible"

                def report(key: str, at: int = done, step: str = step) -> None:
                    progress(at, steps, f"{step} {key}")

                found = ours.predict(y_train, report)
                for key in targets:
                    preds[s][key].append(found[key])
                choices.update({f"inner_fold{k}_{a}": round(b, 4) for a, b in ours.choices.items()})
            else:
                system = SYSTEMS[s]()
                system.prepare(train, test)
                for key in targets:
                    preds[s][key].append(system.fit_predict(y_train[key]))
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
        eight = [v for c, v in per_cat.items() if c in TOS_CATEGORIES]
        out[f"{prefix}category_macro_f1"] = round(float(np.mean(eight)), 4) if eight else 0.0
        out[f"{prefix}category_macro_f1_9"] = round(float(np.mean(list(per_cat.values()))), 4)
        for c, v in per_cat.items():
            out[f"{prefix}f1_{c}"] = round(v, 4)
    out.update(choices)
    return out


def load_legalbench(path: str | Path) -> pd.DataFrame:
    """``data.tsv`` of the LegalBench UNFAIR-ToS copy with its label names corrected."""
    root = Path(path)
    f = root / "data.tsv" if root.is_dir() else root
    if not f.exists():
        raise DatasetMissing(f"fichier LegalBench UNFAIR-ToS introuvable : {f}.", path)
    data = pd.read_csv(f, sep="\t", quoting=3, dtype=str, keep_default_na=False)
    data["label"] = data["label"].str.strip().map(LEGALBENCH_FIX).fillna("Other")
    data["text"] = data["text"].str.strip()
    return data[["text", "label"]]


_DATED_HEADER = re.compile(r"^(last (updated|revised|modified)|effective( date)?|updated|version)\b")
"""The dated line that opens most terms of service of UNFAIR-ToS ("last updated : may 15 , 2017")."""


def document_starts(texts: list[str]) -> list[int]:
    """Rows that open a document: short dated headers (the copy has no document id)."""
    return [i for i, t in enumerate(texts) if len(t.split()) <= 12 and _DATED_HEADER.match(t.strip().lower())]


def legalbench_fold_bounds(texts: list[str], n_folds: int) -> np.ndarray:
    """Contiguous fold boundaries moved to the nearest document start (within half a fold).

    Rows are in document order, so equal contiguous blocks would cut up to ``n_folds - 1``
    documents between training and test; moving each cut to a dated header keeps whole documents
    on one side where one is close enough, otherwise the equal cut is kept.
    """
    n = len(texts)
    bounds = np.linspace(0, n, n_folds + 1).astype(int)
    starts = np.asarray(document_starts(texts), dtype=int)
    for k in range(1, n_folds):
        near = starts[(starts > bounds[k - 1]) & (starts < bounds[k + 1])] if len(starts) else starts
        if len(near):
            nearest = int(near[np.argmin(np.abs(near - bounds[k]))])
            if abs(nearest - bounds[k]) <= n / n_folds / 2:
                bounds[k] = nearest
    return bounds


LEGALBENCH_LABEL = {
    "a": "Arbitration",
    "ch": "Unilateral change",
    "cr": "Content removal",
    "j": "Jurisdiction",
    "law": "Choice of law",
    "ltd": "Limitation of liability",
    "ter": "Unilateral termination",
    "use": "Contract by using",
}
"""UNFAIR-ToS class of each CLAUDETTE category (``pinc``, privacy, is not one of them: "Other")."""
SHARED_SENTENCES_LIMIT = 2
"""A CLAUDETTE document sharing this many sentences with the test fold is another version of a tested one."""
NEAR_DUPLICATE = 0.9
"""Character n-gram cosine from which a CLAUDETTE sentence counts as a rewording of a test clause."""
CONTEXT_WEIGHT = 0.35
"""Weight of the neighbouring sentences' word blocks (the value of ``ContextLinear``)."""


def sentence_key(text: str) -> str:
    """Letters and digits only, lower-cased: the same sentence whatever its tokenisation."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})


def normalise_tokens(text: str) -> str:
    """One tokenisation for both corpora: lower case, straight quotes, punctuation set apart by spaces.

    The LegalBench copy is lower-cased and tokenised ("academia , inc. ( `` academia.edu '' )"),
    CLAUDETTE keeps the original text; without this, character n-grams around punctuation differ
    between the two.
    """
    text = text.lower().replace("``", '"').replace("''", '"').translate(_QUOTES)
    return " ".join(re.sub(r"([^\w\s'])", r" \1 ", text).split())


@dataclass
class Segment:
    """Consecutive sentences of one document; a ``None`` label is context only, never learned."""

    texts: list[str]
    labels: list[str | None]


def document_blocks(texts: list[str]) -> list[tuple[int, int]]:
    """Row ranges between consecutive document starts (one document or a few, the copy has no id)."""
    cuts = sorted({0, *document_starts(texts), len(texts)})
    return [(a, b) for a, b in pairwise(cuts) if b > a]


def legalbench_segments(texts: list[str], labels: list[str] | None = None) -> list[Segment]:
    """Consecutive LegalBench rows cut at each document start, so no neighbour crosses a document."""
    return [
        Segment(texts[a:b], list(labels[a:b]) if labels is not None else [None] * (b - a))
        for a, b in document_blocks(texts)
    ]


def claudette_segments(docs: dict[str, Document], test_texts: list[str]) -> list[Segment]:
    """CLAUDETTE documents as extra UNFAIR-ToS training data, kept apart from the tested documents.

    A document sharing ``SHARED_SENTENCES_LIMIT`` sentences or more with the test clauses (another
    version of a tested company's terms) is left out whole. In the others, a sentence equal or close
    (character n-gram cosine ≥ ``NEAR_DUPLICATE``) to a test clause, a blank line or a sentence of several
    unfair categories (the copy is single-label) stays as context only. Unfair (level 2 or 3) in one of the
    8 categories: that class; otherwise "Other".
    """
    test_keys = {k for k in map(sentence_key, test_texts) if len(k) > 20}
    keyed = [(doc, [sentence_key(t) for t in doc.sentences]) for doc in docs.values()]
    kept = [(doc, keys) for doc, keys in keyed if sum(k in test_keys for k in keys) < SHARED_SENTENCES_LIMIT]
    candidates = [normalise_tokens(t) for doc, _ in kept for t in doc.sentences]
    near = np.zeros(len(candidates), dtype=bool)
    if candidates and test_texts:
        grams = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5)).fit(candidates)
        tested = grams.transform([normalise_tokens(t) for t in test_texts])
        near = (grams.transform(candidates) @ tested.T).max(axis=1).toarray().ravel() >= NEAR_DUPLICATE
    out, row = [], 0
    for doc, keys in kept:
        labels: list[str | None] = []
        for text, key, unfair in zip(doc.sentences, keys, doc.unfair, strict=True):
            classes = [LEGALBENCH_LABEL[c] for c in unfair if c in LEGALBENCH_LABEL]
            usable = text.strip() and key not in test_keys and not near[row] and len(classes) <= 1
            labels.append((classes[0] if classes else "Other") if usable else None)
            row += 1
        out.append(Segment(doc.sentences, labels))
    return out


def _with_context(segments: list[Segment]) -> tuple[list[str], list[str], list[str], list[str | None]]:
    """Sentences, previous and next sentences (normalised) and labels, over all segments."""
    normalised = [[normalise_tokens(t) for t in seg.texts] for seg in segments]
    prev, nxt = _neighbours(normalised)
    return [t for seg in normalised for t in seg], prev, nxt, [lab for seg in segments for lab in seg.labels]


class _LegalBenchModel:
    """Single-label clause classifier for UNFAIR-ToS: word + character TF-IDF and a linear SVM.

    Ours: sentences normalised to one tokenisation, word 1–3-grams and characters, the previous and next
    sentences of the same document as word blocks weighted ``CONTEXT_WEIGHT``, class-balanced LinearSVC
    with C = 1; all settings fixed beforehand (no choice on the evaluated folds). The baseline: the
    sentence alone as written, word 1–2-grams and characters, LinearSVC with C = 1. Both learn from the
    segments they are given (with or without the extra CLAUDETTE documents).
    """

    def __init__(self, system: str) -> None:
        self.system = system

    def _x(self, text: list[str], prev: list[str], nxt: list[str]) -> sparse.csr_matrix:
        blocks = [self.word.transform(text), self.char.transform(text)]
        if self.system == "ours":
            blocks += [CONTEXT_WEIGHT * self.word.transform(prev), CONTEXT_WEIGHT * self.word.transform(nxt)]
        return sparse.hstack(blocks).tocsr()

    def _rows(self, segments: list[Segment]) -> tuple[list[str], list[str], list[str], list[str | None]]:
        if self.system == "ours":
            return _with_context(segments)
        text = [t for seg in segments for t in seg.texts]
        return text, [""] * len(text), [""] * len(text), [lab for seg in segments for lab in seg.labels]

    def fit(self, segments: list[Segment]) -> _LegalBenchModel:
        """Fit vocabularies on the labelled training sentences, then the linear model."""
        text, prev, nxt, labels = self._rows(segments)
        keep = np.array([lab is not None for lab in labels])
        learned = [t for t, k in zip(text, keep, strict=True) if k]
        self.word, self.char = _vectorizers((1, 3) if self.system == "ours" else (1, 2))
        self.word.fit(learned)
        self.char.fit(learned)
        y = np.array(labels, dtype=object)[keep].astype(str)
        x = self._x(learned, *([v for v, k in zip(col, keep, strict=True) if k] for col in (prev, nxt)))
        self.clf = LinearSVC(C=1.0, class_weight="balanced" if self.system == "ours" else None, max_iter=5000)
        self.clf.fit(x, y)
        return self

    def predict(self, segments: list[Segment]) -> np.ndarray:
        """Predicted class of each sentence of the segments, in order."""
        text, prev, nxt, _ = self._rows(segments)
        return np.asarray(self.clf.predict(self._x(text, prev, nxt)))


LEXGLUE_TEST_SENTENCES = 1607
"""Sentences of LexGLUE's UNFAIR-ToS test split (Chalkidis et al. 2022)."""
LEGALBENCH_DROPPED = 32
"""Multi-label sentences of LexGLUE's validation and test splits that the LegalBench copy left out."""
BOOTSTRAP_DRAWS = 1000
"""Resamples of the document bootstrap (``document_bootstrap``)."""


def lexglue_test_rows(texts: list[str]) -> int | None:
    """Rows of the copy that are LexGLUE's test documents: up to the document start that ends them.

    The copy keeps LexGLUE's order (test documents first); the test part ends at a document start at most
    ``LEGALBENCH_DROPPED`` rows before ``LEXGLUE_TEST_SENTENCES``. ``None`` for a copy without one.
    """
    ends = [
        i for i in document_starts(texts) if LEXGLUE_TEST_SENTENCES - LEGALBENCH_DROPPED <= i <= LEXGLUE_TEST_SENTENCES
    ]
    return ends[-1] if ends else None


def _lexglue_f1(truth: np.ndarray, pred: np.ndarray, classes: list[str]) -> tuple[float, float]:
    """LexGLUE's micro/macro F1: one-hot over the unfair classes plus a "none" column for "Other".

    A class neither in ``truth`` nor in ``pred`` (possible in a bootstrap draw) is left out, not scored 0.
    """
    seen = set(truth) | set(pred)
    labels = [c for c in [*classes, "Other"] if c in seen]
    return (
        float(f1_score(truth, pred, labels=labels, average="micro", zero_division=0)),
        float(f1_score(truth, pred, labels=labels, average="macro", zero_division=0)),
    )


def default_extra_corpus(path: str | Path) -> Path | None:
    """The CLAUDETTE folder beside the LegalBench one (the datasets' layout), when it is there."""
    root = Path(path)
    candidate = (root if root.is_dir() else root.parent).parent / "claudette"
    return candidate if candidate.is_dir() else None


def document_bootstrap(
    texts: list[str], truth: np.ndarray, preds: dict[str, np.ndarray], classes: list[str], seed: int = 0
) -> dict[str, tuple[float, float]]:
    """95 % interval of LexGLUE macro-F1 for each system, resampling with replacement the ``document_blocks``,
    so that a document's clauses are drawn together.

    Also ``"ours-baseline"``: the paired interval of the difference, on the same draws.
    """
    rows = [np.arange(a, b) for a, b in document_blocks(texts)]
    rng = np.random.default_rng(seed)
    draws: dict[str, list[float]] = {name: [] for name in [*preds, "ours-baseline"]}
    for _ in range(BOOTSTRAP_DRAWS):
        idx = np.concatenate([rows[i] for i in rng.integers(0, len(rows), len(rows))])
        scores = {name: 100 * _lexglue_f1(truth[idx], p[idx], classes)[1] for name, p in preds.items()}
        for name, value in scores.items():
            draws[name].append(value)
        draws["ours-baseline"].append(scores["ours"] - scores["baseline"])
    return {name: (float(np.percentile(v, 2.5)), float(np.percentile(v, 97.5))) for name, v in draws.items()}


def _intervals(
    texts: list[str], truth: np.ndarray, preds: dict[str, np.ndarray], classes: list[str], measure: str
) -> dict[str, float]:
    """``document_bootstrap`` as output keys: ``{system_}{measure}_macro_f1_ci95_low`` / ``_high``."""
    out = {}
    for name, (low, high) in document_bootstrap(texts, truth, preds, classes).items():
        key = "ours_minus_baseline" if name == "ours-baseline" else name
        prefix = "" if key == "ours" else f"{key}_"
        out[f"{prefix}{measure}_macro_f1_ci95_low"] = round(low, 2)
        out[f"{prefix}{measure}_macro_f1_ci95_high"] = round(high, 2)
    return out


def _predict_part(
    texts: list[str], labels: np.ndarray, docs: dict[str, Document], a: int, b: int, systems: tuple[str, ...]
) -> tuple[dict[str, np.ndarray], list[Segment]]:
    """Rows ``a:b`` tested, the other rows (and the CLAUDETTE documents kept apart from them) learned."""
    test = legalbench_segments(texts[a:b])
    train = legalbench_segments(texts[:a], list(labels[:a])) + legalbench_segments(texts[b:], list(labels[b:]))
    added = claudette_segments(docs, texts[a:b]) if docs else []
    preds = {}
    for s in systems:
        model = _LegalBenchModel("baseline" if s == "baseline_alone" else s)
        preds[s] = model.fit(train if s == "baseline_alone" else train + added).predict(test).astype(str)
    return preds, added


def evaluate_legalbench(
    path: str | Path,
    extra: str | Path | None = None,
    n_folds: int = 5,
    progress: ProgressFn = no_progress,
) -> dict[str, float]:
    """Micro/macro F1 over the 8 unfair classes (and LexGLUE's convention with "Other"), document-aligned folds.

    Each fold's training clauses are the other folds' and, when ``extra`` names a CLAUDETTE corpus, its
    English documents kept apart from the tested ones (``claudette_segments``). Three systems in one run:
    ours and the TF-IDF + LinearSVC baseline on the same training data, and the baseline trained on the
    LegalBench folds alone (``baseline_alone_``), the reference of earlier versions. Then a 95 % document
    bootstrap interval of each fold macro-F1 (and of ours minus the baseline), and LexGLUE's own split
    when the copy has it: its test documents scored by the same systems learning from its validation
    documents and the CLAUDETTE ones (``lexglue_test_*``), the setting of the published scores.
    """
    data = load_legalbench(path)
    texts = data["text"].tolist()
    labels = data["label"].to_numpy()
    docs = load_claudette(extra, "en") if extra is not None else {}
    bounds = legalbench_fold_bounds(texts, n_folds)
    systems = ("ours", "baseline", "baseline_alone") if docs else ("ours", "baseline")
    preds = {s: np.empty(len(texts), dtype=object) for s in systems}
    extra_docs, extra_sentences = [], []
    for k in range(n_folds):
        a, b = int(bounds[k]), int(bounds[k + 1])
        part, added = _predict_part(texts, labels, docs, a, b, systems)
        for s in systems:
            preds[s][a:b] = part[s]
        extra_docs.append(len(added))
        extra_sentences.append(sum(lab is not None for seg in added for lab in seg.labels))
        progress(k + 1, n_folds + 1, f"LegalBench : pli {k}")
    found = {s: p.astype(str) for s, p in preds.items()}
    truth = labels.astype(str)
    out: dict[str, float] = {
        "n_clauses": float(len(texts)),
        "n_folds": float(n_folds),
        "extra_documents_per_fold": round(float(np.mean(extra_docs)), 1),
        "extra_sentences_per_fold": round(float(np.mean(extra_sentences)), 1),
    }
    classes = list(UNFAIR_CLASSES)
    for s in systems:
        prefix = "" if s == "ours" else f"{s}_"
        p = found[s]
        out[f"{prefix}micro_f1"] = round(
            100 * float(f1_score(truth, p, labels=classes, average="micro", zero_division=0)), 2
        )
        out[f"{prefix}macro_f1"] = round(
            100 * float(f1_score(truth, p, labels=classes, average="macro", zero_division=0)), 2
        )
        micro, macro = _lexglue_f1(truth, p, classes)
        out[f"{prefix}lexglue_micro_f1"] = round(100 * micro, 2)
        out[f"{prefix}lexglue_macro_f1"] = round(100 * macro, 2)
    for k in range(n_folds):
        a, b = int(bounds[k]), int(bounds[k + 1])
        out[f"fold{k}_lexglue_macro_f1"] = round(100 * _lexglue_f1(truth[a:b], found["ours"][a:b], classes)[1], 2)
    out.update(_intervals(texts, truth, found, classes, "lexglue"))
    end = lexglue_test_rows(texts)
    if end is not None:
        part, _ = _predict_part(texts, labels, docs, 0, end, systems)
        out["lexglue_test_clauses"] = float(end)
        for s in systems:
            prefix = "" if s == "ours" else f"{s}_"
            micro, macro = _lexglue_f1(truth[:end], part[s], classes)
            out[f"{prefix}lexglue_test_micro_f1"] = round(100 * micro, 2)
            out[f"{prefix}lexglue_test_macro_f1"] = round(100 * macro, 2)
        out.update(_intervals(texts[:end], truth[:end], part, classes, "lexglue_test"))
    progress(n_folds + 1, n_folds + 1, "LegalBench : partie test de LexGLUE")
    return out
