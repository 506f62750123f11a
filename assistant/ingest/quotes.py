"""Who said what: attributed statements in an article, and the people who make them.

Pure heuristics over the cleaned article text. A statement is a whole sentence (a span from
``split_sentences``) whose speaker is named next to a speech verb (``"...," Yoon said``,
``Kishida clarified, "..."``, ``Yoon emphasized that ...``, ``according to Yoon``), a pronoun
after a named speaker (``he added``), or a quotation standing alone right after an attributed
sentence. Short names and titled names resolve to the longest name the article uses.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from assistant.text.sentences import split_sentences


@dataclass(frozen=True)
class Quote:
    speaker: str  # the full name as mentioned in the article
    start: int  # span of the whole sentence holding the statement
    end: int
    quoted: str | None  # words inside quotation marks (" ... " between parts), else None


_TITLES = frozenset(
    """President Prime Minister PM Premier Chancellor King Queen Prince Princess Emperor Empress
    Pope Chairman Chairwoman Chair CEO Secretary Gov Governor Sen Senator Rep Representative Mr
    Mrs Ms Dr Prof Professor Mayor Ambassador Envoy Spokesperson Spokesman Spokeswoman General Gen
    Lt Col Admiral Director Commissioner Chief Justice Judge Speaker Leader Deputy Vice Foreign
    Defense Defence Finance Trade Economy Interior Unification State Treasury Cabinet Lawmaker
    Lord Lady Sir Dame Sheikh Crown Founder Coach Captain Executive Officer""".split()
)
# Capitalised words that open sentences, and others that are never people (groups, days).
# Places and outlets are told apart from people by the named-entity tagger (PERSON).
_OPENERS = frozenset(
    """The This That These Those It Its They Their We Our I He She His Her You But And Or So Then
    When While After Before During Meanwhile However Also In On At As For With Without From To
    Of By If Although Though Because Since Under Over Yet Still Now Today Instead Asked Speaking
    According""".split()
)
_NOT_NAMES = _OPENERS | frozenset(
    """Both All Many Some Others Several Most Officials Analysts Experts Critics Police
    Sources Reports Observers Residents Lawmakers Leaders People Ministry Government Office Party
    Administration Agency Committee Council Court Parliament Congress Senate House Department
    Assembly Summit Declaration Agreement Group Union Company News Times Post Herald Journal
    Press Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March July
    September October November December""".split()
)
_VERBS = (
    r"(?:said|says|say|added|adds|reiterated|clarified|emphasi[sz]ed|stressed|noted|stated|told|"
    r"explained|urged|warned|insisted|argued|remarked|praised|echoed|acknowledged|vowed|pledged|"
    r"called|asked|announced|highlighted|declared|asserted|claimed|commented|observed|replied|"
    r"responded|recalled|suggested|cautioned|conceded|admitted|affirmed|reaffirmed|underscored|"
    r"mentioned|promised|maintained|wrote|expressed|described|criticized|criticised|lamented)\b"
)
_ADVERB = (  # "also said", "has said", "reportedly said" (but not "family said")
    r"(?:also|later|then|further|again|once|earlier|previously|has|had|have"
    r"|(?!(?:fami|a|ra|supp)ly\b)[a-z]+ly)"
)
_UPPER = "A-ZÀ-ÖØ-ÞĀ-Ž"  # Latin capitals, accented ones included ("Élisabeth")
_TOKEN = rf"(?:(?:Mr|Mrs|Ms|Dr|Sen|Rep|Gov|Gen|Prof|Lt|Col|Jr|Sr)\.|[{_UPPER}]\.|[{_UPPER}][\w'’\-]*)"
_NAME = rf"(?<![\w'’.\-]){_TOKEN}(?:[ \t]+{_TOKEN}){{0,6}}"
_LOWER_TITLE = (
    r"(?:(?:[a-z]+[ \t]+){0,2}?(?:president|prime minister|minister|chancellor|premier|"
    r"secretary|governor|mayor|senator|ambassador|spokesperson|spokesman|spokeswoman|chairman|"
    r"ceo|leader|king|queen|emperor|pope))"
)
_SUBJECT = rf"(?P<subj>{_NAME}|\b[Hh]e|\b[Ss]he|\b[Tt]he[ \t]+{_LOWER_TITLE})"
_SUBJECT_VERB = re.compile(rf"{_SUBJECT}(?:,[ \t]+who)?(?:[ \t]+{_ADVERB}){{0,2}}[ \t]+{_VERBS}")
_VERB_SUBJECT = re.compile(rf"[\"”][ \t]*,?[ \t]*{_VERBS}[ \t]+{_SUBJECT}")
_ACCORDING = re.compile(rf"\b[Aa]ccording[ \t]+to[ \t]+{_SUBJECT}")
_PARTICIPLE = re.compile(  # "Yoon welcomed the visit, saying ..."
    rf"{_SUBJECT}(?:[ \t]+{_ADVERB})?[ \t]+[a-z]+\b[^.!?\n\"“”]*?,[ \t]+"
    r"(?:saying|adding|noting|stressing|arguing|warning|insisting)\b"
)
_PLACE_LABELS = frozenset({"GPE", "LOC", "NORP", "FAC"})
_HONORIFICS = frozenset("Mr Mrs Ms Dr Prof Sir Lady Lord Dame".split())
_JOINT = re.compile(rf"(?P<other>{_NAME})[ \t]+and[ \t]+(?:[a-z]+[ \t]+)?$")
_NAME_RE = re.compile(_NAME)
_QUOTATION = re.compile(r"\"[^\"\n]*(?:\"|$)|“[^”\n]*(?:”|$)")
_MASK = "\x00"
_ASKS_STATEMENT = re.compile(
    r"\b(?:say|said|says|saying|tell|told|stress\w*|emphasi[sz]\w*|describ\w*|call|called|calls|"
    r"add|added|adds|reiterat\w*|clarif\w*|remark\w*|views?|position|stance|according to|quot\w*|"
    r"comment\w*|think|thinks|thought|believes?|believed|hopes?|hoped|prais\w*|note|noted|notes|"
    r"urg\w*|warn\w*|insist\w*|argu\w*|claim\w*|announc\w*|stated|statements?|explain\w*|"
    r"mention\w*|express\w*|respond\w*|response|react\w*|opinion|words|speech|promis\w*|pledg\w*|"
    r"vow\w*|acknowledg\w*|echo\w*|highlight\w*|feel|feels|felt)\b",
    re.IGNORECASE,
)


def people(text: str, entities: Iterable[tuple[str, str]] | None = None) -> dict[str, str]:
    """Map of every way a person is referred to (lower-case) to the full name.

    ``entities`` are the (label, text) named entities the tagger found; when given, a one-word
    name counts only if the tagger saw it in a PERSON ("Brussels said" is no person), and a
    longer one only if it is not a place ("South Korea said").
    """
    evidence = None if entities is None else _NameEvidence(entities)
    lower_words = set(re.findall(r"\b[a-z][a-z'’\-]*", text))
    mentions: list[tuple[str, str, str]] = []  # (mention, name, title)
    candidates: list[str] = []  # name-like sequences, to find the longest form of a name
    for match in _NAME_RE.finditer(text):
        name, title = _split_title(match.group())
        if _is_name(name, evidence=evidence):
            candidates.append(name)
            if title:
                mentions.append((_mention(match.group()), name, title))
    for pattern in (_SUBJECT_VERB, _VERB_SUBJECT, _ACCORDING, _PARTICIPLE):
        for match in pattern.finditer(text):
            name, title = _split_title(match.group("subj"))
            if _is_name(name, None if title else lower_words, evidence):
                mentions.append((_mention(match.group("subj")), name, title))
    names = list(dict.fromkeys(name for _, name, _ in mentions))
    forms = sorted(dict.fromkeys(candidates + names), key=lambda n: -len(n.split()))
    full = {name: next(f for f in forms if _contains(f, name)) for name in names}

    mapping: dict[str, str] = {}
    ambiguous: set[str] = set()

    def add(key: str, person: str) -> None:
        if mapping.get(key, person) != person:
            ambiguous.add(key)
        mapping.setdefault(key, person)

    for mention, name, title in mentions:
        mapping[mention.lower()] = mapping[name.lower()] = full[name]
        if title:
            mapping[f"{title} {name}".lower()] = full[name]
            if title.rstrip(".") not in _HONORIFICS:
                add(title.lower(), full[name])
    for person in dict.fromkeys(full.values()):
        mapping[person.lower()] = person
        for token in person.split():
            if len(token.rstrip(".")) > 1:
                add(token.lower(), person)
    for key in ambiguous:
        mapping.pop(key, None)
    return mapping


def find_quotes(text: str, entities: Iterable[tuple[str, str]] | None = None) -> list[Quote]:
    """Every attributed statement in an article's cleaned text, in text order.

    ``entities``: the article's (label, text) named entities, when the tagger ran (see ``people``).
    """
    known = people(text, entities)
    quotes: list[Quote] = []
    last_speaker: str | None = None
    previous_attributed = False
    for span in split_sentences(text):
        sentence = text[span.start : span.end]
        parts, frame = _quotations(sentence)
        speakers = _attribute(frame, known, last_speaker)
        standalone = bool(parts) and not re.search(r"\w", frame)
        if not speakers and standalone and previous_attributed and last_speaker:
            speakers = [last_speaker]
        quoted = " ... ".join(parts) or None
        quotes.extend(Quote(speaker, span.start, span.end, quoted) for speaker in speakers)
        if speakers:
            last_speaker = speakers[-1]
        previous_attributed = bool(speakers)
    return quotes


def speaker_asked_about(question: str, known_speakers: Iterable[str]) -> str | None:
    """The known speaker whose statements the question asks for, else None."""
    if not _ASKS_STATEMENT.search(question):
        return None
    best: tuple[int, str] | None = None
    for speaker in known_speakers:
        for token in [speaker, *speaker.split()]:
            if len(token) < 2:
                continue
            found = re.search(rf"(?<!\w){re.escape(token)}(?:['’]s)?(?!\w)", question, re.IGNORECASE)
            if found and (best is None or found.start() < best[0]):
                best = (found.start(), speaker)
    return best[1] if best else None


def _attribute(frame: str, known: dict[str, str], last_speaker: str | None) -> list[str]:
    """Speakers of one sentence whose quotations are masked out (``frame``)."""
    matches = [m for p in (_SUBJECT_VERB, _VERB_SUBJECT, _ACCORDING) for m in p.finditer(frame)]
    ordered = sorted(matches, key=lambda m: m.start("subj")) + list(_PARTICIPLE.finditer(frame))
    for match in ordered:
        speaker = _resolve(match.group("subj"), known, last_speaker)
        if speaker is None:
            continue
        joint = _JOINT.search(frame[: match.start("subj")])
        other = _resolve(joint.group("other"), known, None) if joint else None
        return [other, speaker] if other and other != speaker else [speaker]
    return []


def _resolve(subject: str, known: dict[str, str], last_speaker: str | None) -> str | None:
    """The full name a subject refers to: a pronoun, "the president", or a (titled) name."""
    lowered = subject.lower()
    if lowered in ("he", "she"):
        return last_speaker
    if lowered.startswith("the "):
        return known.get(" ".join(lowered.split()[1:])) or known.get(lowered.split()[-1])
    name, _ = _split_title(subject)
    if not _is_name(name):
        return None
    return known.get(name.lower()) or known.get(_strip_possessive(subject).lower())


def _split_title(sequence: str) -> tuple[str, str]:
    """("Japanese Prime Minister Fumio Kishida") -> ("Fumio Kishida", "Prime Minister")."""
    tokens = _strip_possessive(sequence).split()
    last = max((i for i, t in enumerate(tokens[:-1]) if t.rstrip(".") in _TITLES), default=-1)
    first = last
    while first > 0 and tokens[first - 1].rstrip(".") in _TITLES:
        first -= 1
    title, name = tokens[first : last + 1] if last >= 0 else [], tokens[last + 1 :]
    while name and name[0].rstrip(".") in _NOT_NAMES and len(name) > 1:
        name = name[1:]
    return " ".join(name).rstrip("."), " ".join(title)


class _NameEvidence:
    """What the tagger says of names: the words of PERSON entities, and the places."""

    def __init__(self, entities: Iterable[tuple[str, str]]) -> None:
        entities = list(entities)
        self.person_words = {w.rstrip(".") for label, text in entities if label == "PERSON" for w in text.split()}
        self.places = {text for label, text in entities if label in _PLACE_LABELS}

    def admits(self, tokens: list[str]) -> bool:
        if len(tokens) == 1:
            return tokens[0].rstrip(".") in self.person_words
        return " ".join(tokens) not in self.places


def _is_name(name: str, lower_words: set[str] | None = None, evidence: _NameEvidence | None = None) -> bool:
    """Whether a title-free capitalised sequence can be a person's name (``evidence``: the tagger's)."""
    tokens = name.split()
    if not tokens:
        return False
    if evidence is not None and not evidence.admits(tokens):
        return False
    if all(token.rstrip(".") in _TITLES for token in tokens):
        return False
    for token in tokens:
        bare = token.rstrip(".")
        if not bare[:1].isupper() or any(part in _NOT_NAMES for part in bare.split("-")):
            return False
        if len(bare) > 1 and not any(c.islower() for c in bare):
            return False
        if lower_words is not None and bare.lower() in lower_words:
            return False
    return any(len(t.rstrip(".")) > 1 for t in tokens)


def _contains(longer: str, shorter: str) -> bool:
    """Whether the words of ``shorter`` appear, in order and contiguous, in ``longer``."""
    big, small = longer.lower().split(), shorter.lower().split()
    return any(big[i : i + len(small)] == small for i in range(len(big) - len(small) + 1))


def _mention(sequence: str) -> str:
    """A name as written, without a leading sentence opener or a possessive."""
    tokens = _strip_possessive(sequence).split()
    while len(tokens) > 1 and tokens[0] in _OPENERS:
        tokens = tokens[1:]
    return " ".join(tokens)


def _strip_possessive(sequence: str) -> str:
    return re.sub(r"['’]s?$", "", sequence.strip())


def _quotations(sentence: str) -> tuple[list[str], str]:
    """The quoted parts of a sentence, and the sentence with their insides masked."""
    parts: list[str] = []
    frame = sentence
    for match in _QUOTATION.finditer(sentence):
        inner_start, inner_end = match.start() + 1, match.end()
        if sentence[inner_end - 1 : inner_end] in ('"', "”") and inner_end - 1 > match.start():
            inner_end -= 1
        words = sentence[inner_start:inner_end].strip().rstrip(",").strip()
        if words:
            parts.append(words)
        frame = frame[:inner_start] + _MASK * (inner_end - inner_start) + frame[inner_end:]
    return parts, frame
