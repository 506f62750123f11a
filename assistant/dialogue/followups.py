"""Follow-up questions: turning "And what did Yoon say?" into a question that stands alone.

A question is rewritten only when it cannot stand alone: a pronoun with no name in the
question to resolve it, or no topic of its own ("And what did Yoon say?", "What about
Yoon?"). A self-contained question is searched as asked, history or not. The extractive rule
then carries the previous turn's people and topic in: a person pronoun ("he", "his") becomes
the person the previous question was about, "it" the thing it named, "they" its people, and
only a question without a topic of its own gets the previous topic ("... about the 1998
declaration?"). LLM modes ask the model with
``prompts/condense.txt`` and fall back to the rule when its reply is empty or does not look
like a question about this conversation.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from assistant.answer.result import Turn

MAX_HISTORY_TURNS = 3
MAX_QUESTION_CHARS = 300

_LEAD = re.compile(r"^(?:and|but|so|also|then|ok(?:ay)?|well|now|in that case)\b[,\s]*", re.IGNORECASE)
_WHAT_ABOUT = re.compile(r"^(?:and\s+)?(?:what|how)\s+about\s+(?P<x>.+?)\s*\??$", re.IGNORECASE)
_PERSON_PRONOUN = re.compile(r"\b(?:he|she|him)\b", re.IGNORECASE)
_POSSESSIVE_PRONOUN = re.compile(r"\b(?:his|her)\b", re.IGNORECASE)
_THEY = re.compile(r"\b(?:they|them)\b", re.IGNORECASE)
_IT = re.compile(r"\b(?:it|that)\b(?!\s+(?:was|is|the|a|an)\b)", re.IGNORECASE)
# A question ending on "that" or "this" ("Why did he say that?") leans on the previous one.
_ENDS_ON_PRO_FORM = re.compile(r"\b(?:that|this)\s*\??\s*$", re.IGNORECASE)
_TAIL = re.compile(r"\s(?P<tail>(?:about|regarding|concerning)\s+.+?)\s*\??$", re.IGNORECASE)
_AUX = re.compile(
    r"\b(?:did|does|do|has|have|had|is|are|was|were|will|would|can|could|should|might|may)\b", re.IGNORECASE
)
_SUBJECT = re.compile(
    r"\b(?:did|does|do|has|have|had|is|was|will|would|can|could|according\s+to)\s+"
    r"(?P<subj>[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)*)"
)
_ENTITY = re.compile(r"(?:\bthe\s+)?[A-Z][\w'’-]*(?:\s+(?:of\s+)?[A-Z][\w'’-]*)*")
_QUESTION_WORDS = frozenset(
    """what who whom whose which when where why how is are was were do does did has have had will would
    can could should may might and but so also then the a an of to in on at for by with about from as
    it its that this these those there they them their he she him his her one ones i you we me us
    say said says tell told respond responded answer answered think thought describe described
    many much""".split()
)
_GARBAGE = re.compile(r"\b(?:sorry|as an ai|i cannot|i can't|language model|standalone question)\b", re.IGNORECASE)


def previous_question(history: Sequence[Turn]) -> str | None:
    """The standalone question of the last turn (what it searched for)."""
    return history[-1].searched if history else None


def is_follow_up(question: str) -> bool:
    """Whether a question cannot stand alone: "what about X", no topic of its own, or a pronoun
    with no name in the question to resolve it."""
    if _WHAT_ABOUT.match(question) or _elliptical(question):
        return True
    pronoun = _PERSON_PRONOUN.search(question) or _POSSESSIVE_PRONOUN.search(question) or _THEY.search(question)
    return bool(pronoun or _IT.search(question)) and not _entities(question)


def carry_over(question: str, previous: str) -> str:
    """The extractive rule: the follow-up with the previous question's people and topic carried in."""
    if not is_follow_up(question):
        return question
    about = _WHAT_ABOUT.match(question)
    subject = _subject(previous)
    if about:
        other = about.group("x").strip()
        if subject and other[:1].isupper():
            return previous.replace(subject, other, 1)
        return f"{previous.rstrip(' ?')}, and {other}?"
    text = _LEAD.sub("", question).strip()
    text = text[:1].upper() + text[1:]
    person = subject or next(iter(_entities(previous)), None)
    if person and not _entities(text):
        text = _PERSON_PRONOUN.sub(person, text)
        text = _POSSESSIVE_PRONOUN.sub(f"{person}'s", text)
    tail = _TAIL.search(previous)
    if tail and _ENDS_ON_PRO_FORM.search(text) and not re.search(r"\babout\b", text, re.IGNORECASE):
        # "When did he first say that?": "that" is what the previous question was about.
        return f"{text.rstrip(' ?')} {tail.group('tail')}?"
    if not _elliptical(text):
        return _resolve_things(text, previous, subject)
    if tail and not re.search(r"\babout\b", text, re.IGNORECASE):
        return f"{text.rstrip(' ?')} {tail.group('tail')}?"
    thing = _thing(previous, subject)
    if thing and _IT.search(text):
        return _IT.sub(thing, text, count=1)
    clause = _aux_clause(previous)
    if clause and not _AUX.search(text):
        return f"{text.rstrip(' ?')} {clause}?"
    return f"{text.rstrip(' ?')}? ({previous.rstrip(' ?')})"


def standalone_question(
    question: str,
    history: Sequence[Turn],
    condense: Callable[[str, Sequence[Turn]], str | None] | None = None,
) -> str:
    """The follow-up as a standalone question: the LLM's rewrite when usable, else the rule."""
    previous = previous_question(history)
    if previous is None:
        return question
    if condense is not None:
        rewritten = condense(question, history)
        if rewritten and usable_rewrite(rewritten, question, history):
            return clean_rewrite(rewritten)
    return carry_over(question, previous)


def history_text(history: Sequence[Turn], answer_chars: int = 300) -> str:
    """The last few turns as "User: ... / Assistant: ..." lines for the condense prompt."""
    lines = []
    for turn in history[-MAX_HISTORY_TURNS:]:
        answer = " ".join(turn.answer.answer.split())
        if len(answer) > answer_chars:
            answer = answer[:answer_chars].rsplit(" ", 1)[0] + " ..."
        lines += [f"User: {turn.question}", f"Assistant: {answer}"]
    return "\n".join(lines)


def clean_rewrite(text: str) -> str:
    """The first line of a model's rewrite, without a label or surrounding quotes."""
    line = next((part for part in text.strip().splitlines() if part.strip()), "")
    line = re.sub(r"^\s*(?:standalone question|question|rewritten question)\s*:\s*", "", line, flags=re.IGNORECASE)
    return line.strip().strip("\"'“”‘’").strip()


def usable_rewrite(text: str, question: str, history: Sequence[Turn]) -> bool:
    """Whether a model's rewrite is a plausible standalone question for this conversation.

    One short line, not a refusal or an answer, sharing a word with the question, and with no
    name that neither the question nor the conversation mentions.
    """
    line = clean_rewrite(text)
    if not line or len(line) > MAX_QUESTION_CHARS or _GARBAGE.search(line):
        return False
    if "[" in line or not re.search(
        r"\?$|^(?:what|who|whom|whose|which|when|where|why|how|is|are|was|were|do|does|did|has|have|can|could|will|would)\b",
        line,
        re.IGNORECASE,
    ):
        return False
    asked = _content_words(question) | {e.lower() for e in _entities(question)}
    said = _content_words(line) | {e.lower() for e in _entities(line)}
    if asked and not (asked & said):
        return False
    said_before = [text for t in history[-MAX_HISTORY_TURNS:] for text in (t.question, t.searched, t.answer.answer)]
    known = " ".join([question, *said_before]).lower()
    return all(part.lower() in known for entity in _entities(line) for part in entity.split() if len(part) > 2)


def _elliptical(text: str) -> bool:
    """No topic of its own: no content word that is not a name ("And what did Yoon say?")."""
    names = {part.lower() for entity in _entities(text) for part in entity.split()}
    return not (_content_words(text) - names)


def _resolve_things(text: str, previous: str, subject: str | None) -> str:
    """A question with its own topic: only "it" and "they" are replaced, nothing is appended."""
    if _entities(text):
        return text
    thing = _thing(previous, subject)
    if thing and _IT.search(text):
        text = _IT.sub(thing, text, count=1)
    people = [e for e in _entities(previous) if e != thing and not e.lower().startswith("the ")]
    if people and _THEY.search(text):
        text = _THEY.sub(" and ".join(people[:2]), text, count=1)
    return text


def _content_words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9][a-z0-9'’-]*", text.lower()) if w not in _QUESTION_WORDS and len(w) > 1}


def _entities(text: str) -> list[str]:
    """Capitalised names in a question, the first word counted only when it is not a question word."""
    found = []
    for match in _ENTITY.finditer(text):
        phrase = re.sub(r"^the\s+", "", match.group(0))
        words = phrase.split()
        if match.start() == 0 and words and words[0].lower() in _QUESTION_WORDS:
            words = words[1:]
        phrase = " ".join(words)
        if phrase and phrase.lower() not in _QUESTION_WORDS:
            found.append(re.sub(r"['’]s$", "", phrase))
    return found


def _subject(question: str) -> str | None:
    """The person a question asks about: the name right after "did", "has", "according to" ..."""
    match = _SUBJECT.search(question)
    return re.sub(r"['’]s$", "", match.group("subj")) if match else None


def _thing(previous: str, person: str | None) -> str | None:
    """What "it" refers to: the previous question's named thing other than the person ("the Camp David Summit")."""
    for match in _ENTITY.finditer(previous):
        phrase = match.group(0)
        if match.start() == 0 or (person and person in phrase):
            continue
        if len(phrase.split()) >= 2 or phrase.lower().startswith("the "):
            return phrase if phrase.lower().startswith("the ") else f"the {phrase}"
    return None


def _aux_clause(previous: str) -> str | None:
    """The previous question from its auxiliary on ("did Japan and South Korea decide to ...")."""
    match = _AUX.search(previous)
    if not match or match.start() == 0:
        return None
    return previous[match.start() :].rstrip(" ?")
