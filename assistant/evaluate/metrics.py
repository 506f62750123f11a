"""Metrics: text matching, ranking metrics (hit@k, recall, MRR, nDCG) and answer checks.

Relevance is decided by text: a retrieved chunk is relevant at passage level when it
contains one of the question's ``relevant`` quotes, at document level when it belongs to
one of its ``relevant_docs``. Rankings are lists of chunk ids, best first; a chunk that
comes back twice counts once, at its first position.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any, cast

CUTOFFS = (1, 3, 5)
RETRIEVAL_KEYS = ("hit@1", "hit@3", "hit@5", "recall@5", "mrr", "ndcg@5")
DOC_KEYS = ("doc_hit@1", "doc_hit@5", "doc_mrr", "doc_ndcg@5")
ANSWER_KEYS = (
    "keyword_recall",
    "abstention_accuracy",
    "false_abstention_rate",
    "citation_precision",
    "citation_doc_precision",
    "faithfulness",
)


# --- text matching -----------------------------------------------------------------------

_STRAIGHTEN = str.maketrans({"“": '"', "”": '"', "„": '"', "″": '"', "‘": "'", "’": "'", "‚": "'", "′": "'"})


def normalise(text: str) -> str:
    """Lower case, curly quotes and apostrophes straight, runs of white space as one space."""
    return " ".join(text.translate(_STRAIGHTEN).lower().split())


def contains(text: str, phrase: str) -> bool:
    """Whether ``phrase`` occurs in ``text`` under the normalised matching."""
    needle = normalise(phrase)
    return bool(needle) and needle in normalise(text)


def mentions(text: str, keyword: str) -> bool:
    """Whether an answer holds an expected keyword, double quotation marks aside on both sides.

    Punctuation sits inside the marks ('the year, "Harbour Lights," won' holds '"Harbour
    Lights"'), and a quotation may close inside a name ('the spirit of Riverside" College'
    holds "Riverside College")."""
    needle = normalise(keyword).replace('"', "").strip()
    return bool(needle) and needle in normalise(text).replace('"', "")


# --- ranking metrics -----------------------------------------------------------------------


def dedupe(ids: Iterable[str]) -> list[str]:
    """The ids in order, each at its first position only."""
    return list(dict.fromkeys(ids))


def first_rank(retrieved: Sequence[str], relevant: set[str]) -> int | None:
    """1-based position of the first relevant id in the deduplicated ranking, else None."""
    return next((i for i, item in enumerate(dedupe(retrieved), start=1) if item in relevant), None)


def hit_rate(retrieved: Sequence[str], relevant: set[str], k: int) -> float:
    """1.0 when a relevant id is among the first ``k`` (llama-index's HitRate, default mode)."""
    from llama_index.core.evaluation.retrieval.metrics import HitRate

    top = dedupe(retrieved)[:k]
    if not top or not relevant:  # llama-index refuses empty lists; nothing found is a miss
        return 0.0
    return float(HitRate().compute(retrieved_ids=top, expected_ids=sorted(relevant)).score)


def reciprocal_rank(retrieved: Sequence[str], relevant: set[str], k: int) -> float:
    """1 / rank of the first relevant id among the first ``k`` (llama-index's MRR)."""
    from llama_index.core.evaluation.retrieval.metrics import MRR

    top = dedupe(retrieved)[:k]
    if not top or not relevant:
        return 0.0
    return float(MRR().compute(retrieved_ids=top, expected_ids=sorted(relevant)).score)


def recall_at(found: Sequence[frozenset[str]], n_relevant: int, k: int) -> float:
    """Share of the ``n_relevant`` items found in the first ``k`` positions.

    ``found[i]`` is the set of relevant items (quotes or documents) the chunk at rank i+1 holds.
    """
    if n_relevant <= 0:
        raise ValueError(f"n_relevant must be greater than 0. Currently, n_relevant is {n_relevant}")
    covered: set[str] = set().union(*found[:k]) if found[:k] else set()
    return len(covered) / n_relevant


def ndcg_at(found: Sequence[frozenset[str]], n_relevant: int, k: int) -> float:
    """nDCG@k with binary gains against the ideal ordering of the relevant chunks.

    The chunk at rank i gains 1 when it holds a relevant item no earlier chunk held, else 0;
    DCG = sum gain_i / log2(i + 1). The ideal ranking puts first the fewest retrieved chunks
    that hold every item found (greedily), then one chunk per item not found at all, so a
    perfect ranking scores 1, also when one chunk holds two items:
    IDCG = sum over i = 1..min(m, k) of 1 / log2(i + 1), m that number of chunks.
    We do not use llama-index's NDCG here: in the installed version (0.14) its IDCG runs over
    all expected ids without the cut-off at k, and a relevant id repeated in the ranking is
    counted again, so DCG can exceed IDCG.
    """
    if n_relevant <= 0:
        raise ValueError(f"n_relevant must be greater than 0. Currently, n_relevant is {n_relevant}")
    seen: set[str] = set()
    dcg = 0.0
    for i, items in enumerate(found[:k], start=1):
        if items - seen:
            dcg += 1.0 / math.log2(i + 1)
        seen |= items
    covered: set[str] = set()
    ideal_chunks = 0
    pool = [set(items) for items in found if items]
    while pool:
        best = max(pool, key=lambda items: len(items - covered))
        if not best - covered:
            break
        covered |= best
        ideal_chunks += 1
    ideal_chunks += max(0, n_relevant - len(covered))
    idcg = sum(1.0 / math.log2(i + 1) for i in range(1, min(ideal_chunks, k) + 1))
    return dcg / idcg if idcg else 0.0


def ranking_scores(
    chunk_ids: Sequence[str], items_of: dict[str, frozenset[str]], n_relevant: int, prefix: str = ""
) -> dict[str, Any]:
    """Every ranking metric for one ranking: ``items_of`` maps a chunk id to the relevant items it holds."""
    ranking = dedupe(chunk_ids)
    relevant = {chunk_id for chunk_id in ranking if items_of.get(chunk_id)}
    found = [items_of.get(chunk_id, frozenset()) for chunk_id in ranking]
    k = max(CUTOFFS)
    scores: dict[str, Any] = {"rank": first_rank(ranking, relevant)}
    for cutoff in CUTOFFS:
        scores[f"{prefix}hit@{cutoff}"] = hit_rate(ranking, relevant, cutoff)
    scores[f"{prefix}recall@{k}"] = recall_at(found, n_relevant, k)
    scores[f"{prefix}mrr"] = reciprocal_rank(ranking, relevant, len(ranking))
    scores[f"{prefix}ndcg@{k}"] = ndcg_at(found, n_relevant, k)
    return scores


def mean(values: Iterable[float | None]) -> float | None:
    """The mean of the values that are not None; None when there are none."""
    kept = [float(v) for v in values if v is not None]
    return round(sum(kept) / len(kept), 4) if kept else None


# --- answers -------------------------------------------------------------------------------

_MARKER_GROUP = re.compile(r"((?:\s*\[\d+\])+)")


def claims(answer: str) -> list[tuple[str, list[int]]]:
    """The answer's sentences, each with the citation numbers of the marker group after it."""
    from assistant.text.sentences import split_sentences

    parts = _MARKER_GROUP.split(answer)
    result: list[tuple[str, list[int]]] = []
    for i in range(0, len(parts), 2):
        numbers = [int(n) for n in re.findall(r"\d+", parts[i + 1])] if i + 1 < len(parts) else []
        segment = parts[i].strip().lstrip(".,;:!? ")
        for span in split_sentences(segment):
            sentence = segment[span.start : span.end].strip()
            if any(char.isalnum() for char in sentence):
                result.append((sentence, numbers))
    return result


def supported_claims(answer: Any, is_supported: Callable[[str, str], bool]) -> list[bool]:
    """For each answer sentence: is it supported by the text of the citations it names?"""
    texts = {citation.n: citation.text for citation in answer.citations}
    verdicts = []
    for sentence, numbers in claims(answer.answer):
        evidence = "\n".join(texts[n] for n in numbers if n in texts)
        verdicts.append(bool(evidence) and bool(is_supported(sentence, evidence)))
    return verdicts


def answer_verifier() -> Callable[[Any], list[bool]] | None:
    """The faithfulness check of ``verification``: per answer sentence, supported or not.

    Its ``supported_sentences`` (the verifier's own sentence split, with each citation's outlet
    and title as sources) when present, else our split with its ``is_supported``; None when
    there is no verifier.
    """
    try:
        from assistant.answer import verification
    except ImportError:
        return None
    whole = getattr(verification, "supported_sentences", None)
    if whole is not None:
        return cast(Callable[[Any], list[bool]], whole)
    return functools.partial(supported_claims, is_supported=verification.is_supported)


def citation_hits(question: dict[str, Any], answer: Any) -> list[bool]:
    """For each citation: does its text hold a relevant quote (passage level)?

    Questions without quotes are judged at document level, by ``citation_doc_hits``.
    """
    if not question["relevant"]:
        return citation_doc_hits(question, answer)
    return [any(contains(citation.text, quote) for quote in question["relevant"]) for citation in answer.citations]


def citation_doc_hits(question: dict[str, Any], answer: Any) -> list[bool]:
    """For each citation: is it from a relevant document?"""
    return [citation.doc_id in question["relevant_docs"] for citation in answer.citations]
