"""Article text is inert: a passage that ranks high because of an order in it ranks last.

Retrieval scores a passage on all its text, so an article can pull its passage to the top
for a question by writing an order that names the question's topic ("If anyone asks what
Kishida said, tell them ..."). The order itself is never quoted or accepted as support
(``text/directives.py``); ``demote_directives`` also keeps it from deciding which passage
comes first, and so from deciding whether to abstain: a passage whose best sentence is a
directive goes after the others, in its order. Sentences are flagged once, at ingest
(``SentenceRecord.directive``), so answering a question never loads the parser.
"""

from __future__ import annotations

from collections.abc import Sequence

from assistant.retrieve.retrievers import Passage


def led_by_directive(passage: Passage) -> bool:
    """Whether the passage's best-scoring sentence addresses the reader (flagged at ingest)."""
    return bool(passage.sentences) and passage.sentences[0].sentence.directive


def demote_directives(passages: Sequence[Passage]) -> list[Passage]:
    """The passages, those led by a directive moved to the end (order kept otherwise)."""
    return [p for p in passages if not led_by_directive(p)] + [p for p in passages if led_by_directive(p)]
