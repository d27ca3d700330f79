"""The series clustering on the Spark engine: the same pipeline as :meth:`SeriesModel.fit`, at scale.

Executors mask and hash the requêtes (``mapInPandas``); candidate pairs come from Spark ML's
``MinHashLSH.approxSimilarityJoin`` on the word 3-shingles and on the 5-character shingles (template
near-duplicates, scanned copies) and from ``BucketedRandomProjectionLSH.approxSimilarityJoin`` on the
L2-normalised TF-IDF vectors (rewrites: Euclidean distance ↔ cosine), each requête keeping its 20 nearest;
executors then score every pair with the calibrated pair model. The driver fits the corpus statistics
(TF-IDF vocabulary, lexicon), runs the graph rules (cores, attachment) on the strong pairs only, and the
second stage (:mod:`membership`) on the requêtes left alone, from the signatures the executors computed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from iapublique.core.engine import SparkEngine
from iapublique.core.service import ProgressFn, no_progress
from iapublique.services.litigation_series import membership, textindex
from iapublique.services.litigation_series.model import (
    NEIGHBOURS,
    Calibration,
    agreement,
    attach,
    cluster,
    features,
    joined_conclusions,
    prepare_chunk,
    relation,
)

DIM = 1 << 20
"""Size of the hashed shingle space of the MinHash vectors."""
JACCARD_DISTANCE = 0.9
"""Largest Jaccard distance kept by the MinHash joins (similarity ≥ 0.1)."""
MIN_COSINE = 0.1
"""Smallest TF-IDF cosine kept by the random-projection join (as in the local neighbour search)."""


def _prepared_rows(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    """Executor side: masked words, signatures, act keys and hashed shingle indices of each requête."""
    for batch in batches:
        texts = batch["text"].astype(str).tolist()
        joined, signatures, keys, _masked, concl, char_sigs = prepare_chunk(texts)
        words_idx, chars_idx = [], []
        for text in texts:
            folded, _ = textindex.masked_folded(text)
            w = textindex.shingles(textindex.TOKEN.findall(folded))
            c = textindex.char_shingles(folded)
            words_idx.append(np.unique((w % np.uint64(DIM)).astype(np.int64)).tolist() or [0])
            chars_idx.append(np.unique((c % np.uint64(DIM)).astype(np.int64)).tolist() or [0])
        yield pd.DataFrame({
            "idx": batch["idx"].to_numpy(),
            "joined": joined,
            "sig": [s.astype(np.int64).tolist() for s in signatures],
            "csig": [s.astype(np.int64).tolist() for s in char_sigs],
            "act": keys,
            "concl": joined_conclusions(concl),
            "wset": words_idx,
            "cset": chars_idx,
        })


def _pair_scores(coef: np.ndarray, intercept: float, floor: float, use_acts: bool = True) -> Any:
    """Executor side: features and probability of each candidate pair (the local functions, row by row)."""

    def body(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        """Scored pairs of each batch, those under ``floor`` left out."""
        for batch in batches:
            if batch.empty:
                continue
            sa = np.asarray(batch["sig_a"].tolist(), dtype=np.int64).astype(np.uint32)
            sb = np.asarray(batch["sig_b"].tolist(), dtype=np.int64).astype(np.uint32)
            ca = np.asarray(batch["csig_a"].tolist(), dtype=np.int64).astype(np.uint32)
            cb = np.asarray(batch["csig_b"].tolist(), dtype=np.int64).astype(np.uint32)
            jac = textindex.estimated_jaccard(sa, sb).astype(np.float32)
            chars = textindex.oph_similarity(ca, cb).astype(np.float32)
            cos = np.asarray([_sparse_dot(ia, va, ib, vb) for ia, va, ib, vb in zip(
                batch["ti_a"], batch["tv_a"], batch["ti_b"], batch["tv_b"], strict=True)], dtype=np.float32)
            rel = relation(batch["act_a"].astype(str).tolist(), batch["act_b"].astype(str).tolist()) * use_acts
            noise = np.maximum(batch["noise_a"].to_numpy(), batch["noise_b"].to_numpy())
            agree = agreement(batch["concl_a"].astype(str).tolist(), batch["concl_b"].astype(str).tolist())
            x = features(jac, cos, chars, rel, noise, agree)
            p = 1.0 / (1.0 + np.exp(-np.clip(x @ coef + intercept, -30, 30)))
            keep = p >= floor
            yield pd.DataFrame({"a": batch["a"].to_numpy()[keep], "b": batch["b"].to_numpy()[keep], "p": p[keep]})

    return body


def _sparse_dot(ia: Any, va: Any, ib: Any, vb: Any) -> float:
    """Dot product of two sparse vectors given as sorted index and value lists."""
    ia, ib = np.asarray(ia), np.asarray(ib)
    _, pa, pb = np.intersect1d(ia, ib, assume_unique=True, return_indices=True)
    return float(np.dot(np.asarray(va)[pa], np.asarray(vb)[pb]))


def cluster_on_spark(engine: SparkEngine, data: pd.DataFrame, calibration: Calibration,
                     progress: ProgressFn = no_progress) -> np.ndarray:
    """Series labels (-1 isolated) of ``data`` computed on Spark with the calibrated pair model and rules."""
    from pyspark.ml.feature import BucketedRandomProjectionLSH, MinHashLSH
    from pyspark.ml.linalg import SparseVector, VectorUDT
    from pyspark.sql import Window
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    spark = engine.session()
    n = len(data)
    progress(0, 5, "Masquage et empreintes sur Spark")
    frame = pd.DataFrame({"idx": np.arange(n, dtype=np.int64), "text": data["text"].astype(str).to_numpy()})
    schema = T.StructType([
        T.StructField("idx", T.LongType()), T.StructField("joined", T.StringType()),
        T.StructField("sig", T.ArrayType(T.LongType())), T.StructField("csig", T.ArrayType(T.LongType())),
        T.StructField("act", T.StringType()), T.StructField("concl", T.StringType()),
        T.StructField("wset", T.ArrayType(T.LongType())),
        T.StructField("cset", T.ArrayType(T.LongType())),
    ])
    prepared = spark.createDataFrame(frame).repartition(engine.partitions).mapInPandas(_prepared_rows, schema)
    prepared = prepared.cache()

    progress(1, 5, "Statistiques du corpus (vocabulaire TF-IDF, lexique)")
    joined = prepared.select("idx", "joined").toPandas().sort_values("idx")["joined"].tolist()
    vectorizer, matrix = textindex.fit_tfidf(joined)
    matrix.sort_indices()
    lexicon = textindex.lexicon(joined)
    noise = np.zeros(n)
    for i, text in enumerate(joined):
        words = text.split()
        if words:
            noise[i] = sum(1 for w in words if w not in lexicon) / len(words)
    rows = [(int(i), matrix.indices[matrix.indptr[i]:matrix.indptr[i + 1]].tolist(),
             matrix.data[matrix.indptr[i]:matrix.indptr[i + 1]].astype(float).tolist(), float(noise[i]))
            for i in range(n)]
    tfidf = spark.createDataFrame(rows, "idx long, ti array<int>, tv array<double>, noise double")
    dims = matrix.shape[1]

    to_set = F.udf(lambda idx: SparseVector(DIM, sorted(idx), [1.0] * len(idx)), VectorUDT())
    to_vec = F.udf(lambda i, v: SparseVector(max(1, dims), i, v), VectorUDT())
    docs = prepared.join(tfidf, "idx").withColumn("wvec", to_set("wset")).withColumn("cvec", to_set("cset")) \
        .withColumn("tvec", to_vec("ti", "tv")).cache()

    progress(2, 5, "Paires candidates : jointures LSH approchées (Spark ML)")
    pairs = []
    for col, seed in (("wvec", 11), ("cvec", 13)):
        lsh = MinHashLSH(inputCol=col, outputCol=f"{col}_h", numHashTables=8, seed=seed).fit(docs)
        joinedp = lsh.approxSimilarityJoin(docs.select("idx", col), docs.select("idx", col), JACCARD_DISTANCE,
                                           distCol="d")
        pairs.append(joinedp.select(F.col("datasetA.idx").alias("a"), F.col("datasetB.idx").alias("b"))
                     .where("a < b"))
    brp = BucketedRandomProjectionLSH(inputCol="tvec", outputCol="tvec_h", bucketLength=4.0, numHashTables=4,
                                      seed=17).fit(docs)
    near = brp.approxSimilarityJoin(docs.select("idx", "tvec"), docs.select("idx", "tvec"),
                                    float(np.sqrt(2 - 2 * MIN_COSINE)), distCol="d") \
        .select(F.col("datasetA.idx").alias("a"), F.col("datasetB.idx").alias("b"), "d").where("a != b")
    ranked = near.withColumn("r", F.row_number().over(Window.partitionBy("a").orderBy("d", "b"))) \
        .where(F.col("r") <= NEIGHBOURS) \
        .select(F.least("a", "b").alias("a"), F.greatest("a", "b").alias("b"))
    candidates = pairs[0].union(pairs[1]).union(ranked).distinct()

    progress(3, 5, "Score des paires sur Spark")
    side = docs.select("idx", "sig", "csig", "act", "concl", "ti", "tv", "noise")
    a_side = side.select(*[F.col(c).alias(f"{c}_a" if c != "idx" else "a") for c in side.columns])
    b_side = side.select(*[F.col(c).alias(f"{c}_b" if c != "idx" else "b") for c in side.columns])
    scored_input = candidates.join(a_side, "a").join(b_side, "b")
    floor = min(calibration.threshold, calibration.attach_threshold)
    out_schema = "a long, b long, p double"
    scorer = _pair_scores(np.asarray(calibration.coef), calibration.intercept, floor, calibration.use_acts)
    scored = scored_input.mapInPandas(scorer, out_schema).toPandas()
    stage_side = None
    if calibration.stage is not None:
        kept = docs.select("idx", "sig", "csig", "act", "concl").toPandas().sort_values("idx")
        stage_side = membership.corpus_side(
            np.asarray(kept["sig"].tolist(), dtype=np.int64).astype(np.uint32),
            np.asarray(kept["csig"].tolist(), dtype=np.int64).astype(np.uint32),
            noise, kept["act"].astype(str).tolist(), kept["concl"].astype(str).tolist())
    docs.unpersist()
    prepared.unpersist()

    progress(4, 5, "Regroupement (cœurs, rattachement)")
    a = scored["a"].to_numpy(dtype=np.int64)
    b = scored["b"].to_numpy(dtype=np.int64)
    p = scored["p"].to_numpy(dtype=np.float64)
    labels = cluster(n, a, b, p, calibration.threshold, calibration.min_core, calibration.min_size)
    labels = attach(labels, a, b, p, calibration.attach_threshold, calibration.attach_links)
    if calibration.stage is not None and stage_side is not None:
        labels = membership.settle(labels, matrix, stage_side, calibration.stage, calibration.use_acts)
    progress(5, 5, "Séries calculées sur Spark")
    del vectorizer
    return labels
