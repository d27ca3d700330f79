"""Text representations of requêtes: masked normalised tokens, MinHash signatures with LSH bands, TF-IDF.

Tokens keep their character span in the raw text, so shared passages can be highlighted in what the
agent submitted; words inside personal data are dropped before anything is hashed or counted.
MinHash uses multiply-shift hashing of word 3-shingles (numpy, deterministic across processes); LSH
cuts the 128 values into 32 bands of 4 rows. TF-IDF vectors (words and word pairs, sublinear, L2)
come from scikit-learn and are stored as float32 sparse matrices.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from iapublique.services.litigation_series.privacy import Span, find_personal_data

NUM_PERM = 128
BANDS = 32
ROWS = NUM_PERM // BANDS
SHINGLE = 3
_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)
TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_seeds = np.random.default_rng(20200501)
_A = (_seeds.integers(1, 2**63 - 1, size=NUM_PERM, dtype=np.int64).astype(np.uint64) | np.uint64(1))
_B = _seeds.integers(0, 2**63 - 1, size=NUM_PERM, dtype=np.int64).astype(np.uint64)
_P1, _P2 = np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F)
_token_ids: dict[str, int] = {}


def _fold_table() -> dict[int, str]:
    """Lower case without accents, one character for one (so spans in the folded text match the raw text)."""
    table: dict[int, str] = {}
    for code in range(0x250):
        ch = chr(code)
        low = ch.lower()
        base = "".join(c for c in unicodedata.normalize("NFKD", low) if not unicodedata.combining(c))
        if len(low) == 1 and len(base) == 1 and base != ch:
            table[code] = base
    for ch in "’‘":
        table[ord(ch)] = "'"
    return table


_FOLD = _fold_table()


def fold(text: str) -> str:
    """Text in lower case without accents, the same length as the input (OCR and typing lose accents)."""
    return text.translate(_FOLD)


@dataclass
class Tokens:
    """A requête's normalised words outside personal data, with their spans in the raw text."""

    words: list[str]
    starts: np.ndarray
    ends: np.ndarray
    masked: list[Span]


def masked_folded(text: str) -> tuple[str, list[Span]]:
    """The folded text with personal data blanked out (same length as ``text``) and the masked spans."""
    spans = find_personal_data(text)
    folded = fold(text)
    if spans:
        parts: list[str] = []
        pos = 0
        for span in spans:
            parts.append(folded[pos:span.start])
            parts.append(" " * (span.end - span.start))
            pos = span.end
        parts.append(folded[pos:])
        folded = "".join(parts)
    return folded, spans


def words_of(text: str) -> list[str]:
    """Normalised words of ``text`` outside personal data (what is indexed)."""
    return TOKEN.findall(masked_folded(text)[0])


def tokenize(text: str) -> Tokens:
    """Normalised tokens of ``text`` outside personal data, with their spans in the raw text."""
    folded, spans = masked_folded(text)
    words: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for match in TOKEN.finditer(folded):
        words.append(match.group())
        starts.append(match.start())
        ends.append(match.end())
    return Tokens(words, np.asarray(starts, dtype=np.int64), np.asarray(ends, dtype=np.int64), spans)


def token_ids(words: list[str]) -> np.ndarray:
    """Stable 32-bit ids of words (CRC-32, the same in every process)."""
    out = np.empty(len(words), dtype=np.uint64)
    cache = _token_ids
    for i, w in enumerate(words):
        v = cache.get(w)
        if v is None:
            v = zlib.crc32(w.encode("utf-8"))
            if len(cache) < 2_000_000:
                cache[w] = v
        out[i] = v
    return out


def shingles(words: list[str]) -> np.ndarray:
    """64-bit hashes of the word 3-shingles (one hash of the words themselves for very short texts)."""
    ids = token_ids(words)
    if len(ids) < SHINGLE:
        return np.unique(ids * _P1) if len(ids) else np.empty(0, dtype=np.uint64)
    with np.errstate(over="ignore"):
        h = ids[:-2] * _P1 + ids[1:-1] * _P2 + ids[2:]
    return h


def minhash(shingle_sets: list[np.ndarray]) -> np.ndarray:
    """MinHash signatures (n × 128, uint32) of shingle sets; an empty set gets all-ones (matches nothing)."""
    n = len(shingle_sets)
    out = np.full((n, NUM_PERM), np.uint32(0xFFFFFFFF), dtype=np.uint32)
    batch: list[int] = []
    size = 0

    def flush() -> None:
        """Signatures of the batched sets, computed together."""
        nonlocal size
        if not batch:
            return
        parts = [shingle_sets[i] for i in batch]
        lengths = np.asarray([len(p) for p in parts])
        keep = lengths > 0
        if keep.any():
            values = np.concatenate([p for p in parts if len(p)])
            with np.errstate(over="ignore"):
                hashed = ((values[:, None] * _A[None, :] + _B[None, :]) >> np.uint64(32)).astype(np.uint32)
            offsets = np.concatenate([[0], np.cumsum(lengths[keep])[:-1]])
            mins = np.minimum.reduceat(hashed, offsets, axis=0)
            rows = np.asarray(batch)[keep]
            out[rows] = mins
        batch.clear()
        size = 0

    for i, s in enumerate(shingle_sets):
        batch.append(i)
        size += len(s)
        if size > 40_000:
            flush()
    flush()
    return out


def band_keys(signatures: np.ndarray) -> np.ndarray:
    """One 64-bit key per band (n × 32): the band's 4 values hashed together, with the band index."""
    sig = signatures.astype(np.uint64).reshape(len(signatures), BANDS, ROWS)
    with np.errstate(over="ignore"):
        key = np.arange(BANDS, dtype=np.uint64)[None, :] * _P2
        for r in range(ROWS):
            key = (key ^ sig[:, :, r]) * _P1
            key ^= key >> np.uint64(29)
    return key


def estimated_jaccard(sig_a: np.ndarray, sig_b: np.ndarray) -> np.ndarray:
    """Share of equal MinHash values, row by row (the Jaccard similarity estimate)."""
    return (sig_a == sig_b).mean(axis=1)


def word_vectorizer(min_df: int = 2, max_df: float = 0.5) -> TfidfVectorizer:
    """TF-IDF over the normalised words and word pairs (the text is already tokenised and joined by spaces)."""
    return TfidfVectorizer(analyzer="word", token_pattern=r"\S+", lowercase=False, ngram_range=(1, 2),
                           min_df=min_df, max_df=max_df, sublinear_tf=True, dtype=np.float32)


def fit_tfidf(docs: list[str]) -> tuple[TfidfVectorizer, sp.csr_matrix]:
    """A fitted vectoriser (pruned-term list dropped, it is not needed) and the corpus matrix."""
    min_df = 2 if len(docs) >= 20 else 1
    vectorizer = word_vectorizer(min_df=min_df, max_df=0.5 if len(docs) >= 20 else 1.0)
    matrix = vectorizer.fit_transform(docs)
    if hasattr(vectorizer, "stop_words_"):
        del vectorizer.stop_words_
    return vectorizer, sp.csr_matrix(matrix, dtype=np.float32)


def top_neighbours(matrix: sp.csr_matrix, k: int, chunk: int = 1000,
                   floor: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` most cosine-similar other rows of each row (pairs i < j, similarity), by chunked products."""
    n = matrix.shape[0]
    chunk = max(50, min(chunk, 20_000_000 // max(1, n)))
    transposed = matrix.T.tocsr()
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    sims: list[np.ndarray] = []
    for start in range(0, n, chunk):
        block = (matrix[start:start + chunk] @ transposed).toarray()
        idx = np.arange(block.shape[0])
        block[idx, start + idx] = 0.0
        kk = min(k, n - 1)
        if kk <= 0:
            continue
        part = np.argpartition(-block, kk - 1, axis=1)[:, :kk]
        values = np.take_along_axis(block, part, axis=1)
        keep = values >= floor
        r = np.repeat(start + idx, kk).reshape(-1, kk)[keep]
        c = part[keep]
        rows.append(r)
        cols.append(c)
        sims.append(values[keep])
    if not rows:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    r = np.concatenate(rows)
    c = np.concatenate(cols)
    a, b = np.minimum(r, c), np.maximum(r, c)
    return a.astype(np.int64), b.astype(np.int64)


def lsh_pairs(keys: np.ndarray, links: int = 1, small: int = 12) -> tuple[np.ndarray, np.ndarray]:
    """Candidate pairs (i < j) sharing a band: all pairs in small buckets, a few chained links in big ones."""
    n = keys.shape[0]
    firsts: list[np.ndarray] = []
    seconds: list[np.ndarray] = []
    for band in range(keys.shape[1]):
        column = keys[:, band]
        with np.errstate(over="ignore"):
            shuffle = (np.arange(n, dtype=np.uint64) * _A[band] + _B[band]) >> np.uint64(11)
        order = np.lexsort((shuffle, column))
        sorted_keys = column[order]
        starts = np.flatnonzero(np.concatenate([[True], sorted_keys[1:] != sorted_keys[:-1]]))
        sizes = np.diff(np.concatenate([starts, [n]]))
        group_of = np.repeat(np.arange(len(starts)), sizes)
        for step in range(1, max(links, small) + 1):
            if step >= n:
                break
            same = group_of[step:] == group_of[:-step]
            big = sizes[group_of[:-step]] > small
            ok = same & ((~big) | (step <= links))
            if not ok.any():
                if step > links and not (sizes > step).any():
                    break
                continue
            firsts.append(order[:-step][ok])
            seconds.append(order[step:][ok])
    if not firsts:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    a = np.concatenate(firsts)
    b = np.concatenate(seconds)
    return np.minimum(a, b).astype(np.int64), np.maximum(a, b).astype(np.int64)


def unique_pairs(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs without duplicates or self-pairs."""
    keep = a != b
    code = np.unique(a[keep].astype(np.int64) * (1 << 32) + b[keep].astype(np.int64))
    return (code >> 32).astype(np.int64), (code & 0xFFFFFFFF).astype(np.int64)


def row_cosines(x: sp.csr_matrix, y: sp.csr_matrix, a: np.ndarray, b: np.ndarray, chunk: int = 50_000) -> np.ndarray:
    """Cosine of rows ``x[a[k]]`` and ``y[b[k]]`` for each pair (both matrices L2-normalised)."""
    out = np.empty(len(a), dtype=np.float32)
    for s in range(0, len(a), chunk):
        xa = x[a[s:s + chunk]]
        yb = y[b[s:s + chunk]]
        out[s:s + chunk] = np.asarray(xa.multiply(yb).sum(axis=1)).ravel()
    return out


def prune_rows(matrix: sp.csr_matrix, keep: int) -> sp.csr_matrix:
    """Each row reduced to its ``keep`` largest weights and L2-normalised again (a cheap search sketch)."""
    matrix = sp.csr_matrix(matrix)
    indptr = matrix.indptr
    data = matrix.data
    mask = np.zeros(len(data), dtype=bool)
    for i in range(matrix.shape[0]):
        s, e = indptr[i], indptr[i + 1]
        if e - s <= keep:
            mask[s:e] = True
        else:
            top = np.argpartition(-data[s:e], keep - 1)[:keep]
            mask[s + top] = True
    pruned = sp.csr_matrix((np.where(mask, data, 0).astype(np.float32), matrix.indices.copy(), indptr.copy()),
                           shape=matrix.shape)
    pruned.eliminate_zeros()
    norms = np.sqrt(np.asarray(pruned.multiply(pruned).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags((1.0 / norms).astype(np.float32)) @ pruned)


CHAR_GRAM = 5
_ALNUM = re.compile(r"[^0-9a-z]+")
_EMPTY_BIN = np.uint32(0xFFFFFFFF)


def char_shingles(folded: str) -> np.ndarray:
    """64-bit hashes of the 5-character shingles of the folded text with spaces and punctuation removed.

    Words split or glued by a scanner, and single misread letters, leave most of these shingles intact.
    """
    letters = _ALNUM.sub("", folded).encode("ascii", "ignore")
    codes = np.frombuffer(letters, dtype=np.uint8).astype(np.uint64)
    if len(codes) < CHAR_GRAM:
        return np.empty(0, dtype=np.uint64)
    with np.errstate(over="ignore"):
        h = np.zeros(len(codes) - CHAR_GRAM + 1, dtype=np.uint64)
        for k in range(CHAR_GRAM):
            h = (h ^ codes[k:len(codes) - CHAR_GRAM + 1 + k]) * _P1
            h ^= h >> np.uint64(31)
    return h


def oph_signature(shingle_sets: list[np.ndarray]) -> np.ndarray:
    """One-permutation MinHash (n × 128, uint32): one hash per shingle, the minimum kept in each of 128 bins."""
    out = np.full((len(shingle_sets), NUM_PERM), _EMPTY_BIN, dtype=np.uint32)
    for i, values in enumerate(shingle_sets):
        if not len(values):
            continue
        with np.errstate(over="ignore"):
            h = values * _A[7] + _B[7]
        bins = (h >> np.uint64(57)).astype(np.int64)
        low = ((h >> np.uint64(16)) & np.uint64(0xFFFFFFFE)).astype(np.uint32)
        row = out[i]
        np.minimum.at(row, bins, low)
    return out


def oph_similarity(sig_a: np.ndarray, sig_b: np.ndarray) -> np.ndarray:
    """Share of equal non-empty bins, row by row (a Jaccard estimate for one-permutation signatures)."""
    filled = (sig_a != _EMPTY_BIN) | (sig_b != _EMPTY_BIN)
    equal = (sig_a == sig_b) & filled
    return equal.sum(axis=1) / np.maximum(1, filled.sum(axis=1))


def lexicon(docs: list[str], min_df: int = 2) -> dict[str, int]:
    """Words found in at least ``min_df`` requêtes of the corpus (others are mostly scanner noise or typos)."""
    from collections import Counter

    counts: Counter[str] = Counter()
    for doc in docs:
        counts.update(set(doc.split()))
    floor = min_df if len(docs) >= 20 else 1
    return {w: c for w, c in counts.items() if c >= floor}
