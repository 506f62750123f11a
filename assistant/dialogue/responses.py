"""Follow-ups that ask how someone responded: what that person said next in the same article.

"What did Yoon say about Kishida's visit to Seoul?" then "And how did Kishida respond?": the
response is Kishida's first statement after the sentences the previous answer cited, in the
article they came from ("Kishida echoed this sentiment, ..."). A response seldom repeats the
words of the question, so search ranks it low; its place in the article finds it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.answer.result import Citation
from assistant.ingest.quotes import speaker_asked_about
from assistant.retrieve.retrievers import Passage, ScoredSentence
from assistant.store.index import SentenceRecord

# How far after the previous answer a statement still counts as the response (in sentences).
MAX_SENTENCES_AFTER = 6
# A response leads the answer: it scores this much above the best evidence retrieved.
LEAD = 0.01

_ASKS_RESPONSE = re.compile(
    r"\b(?:respond(?:ed|s)?|response|react(?:ed|s|ion)?|repl(?:y|ied|ies)|retort(?:ed)?"
    r"|answer(?:ed)?\s+(?:him|her|them|that|this))\b",
    re.IGNORECASE,
)


def asks_response(question: str) -> bool:
    """Whether a question asks how someone responded ("And how did Kishida respond?")."""
    return bool(_ASKS_RESPONSE.search(question))


def response_to(question: str, cited: Sequence[Citation], sentences: Sequence[SentenceRecord]) -> SentenceRecord | None:
    """The first statement, by the person the question names, after the cited spans of their article.

    ``cited`` are the previous answer's citations; the article is that of the first one, and
    ``sentences`` are that article's sentences. None when the question names no speaker of the
    article or that speaker says nothing within a few sentences after the cited spans.
    """
    if not cited or not asks_response(question):
        return None
    doc_id = cited[0].doc_id
    own = sorted((s for s in sentences if s.doc_id == doc_id), key=lambda s: s.start)
    person = speaker_asked_about(question, {s.speaker for s in own if s.speaker})
    if person is None:
        return None
    after = max(c.end for c in cited if c.doc_id == doc_id)
    following = [s for s in own if s.start >= after][:MAX_SENTENCES_AFTER]
    return next((s for s in following if s.speaker == person), None)


def lead_with(passages: list[Passage], response: Passage, sentence: SentenceRecord) -> list[Passage]:
    """The passages with ``response`` first, its ``sentence`` scored just above the best evidence."""
    best = max(p.evidence for p in [*passages, response])
    rest: list[ScoredSentence] = []
    lead: ScoredSentence | None = None
    for scored in response.sentences:
        if (scored.sentence.doc_id, scored.sentence.start) == (sentence.doc_id, sentence.start):
            lead = ScoredSentence(scored.sentence, best + LEAD, scored.vector)
        else:
            rest.append(scored)
    if lead is None:
        return passages
    response.sentences = [lead, *rest]
    response.score = max([response.score, *(p.score for p in passages)])
    # Found by its place after the previous answer, not by search: abstention does not weigh it.
    response.signals["response"] = 1.0
    others = [p for p in passages if p.chunk.chunk_id != response.chunk.chunk_id]
    return [response, *others]
