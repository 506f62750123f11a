"""The LLM answerer: prompt -> model -> verifier -> Answer, for the local, ollama and openai modes.

The model sees the question and the numbered passages fenced as data (``prompts/``). Its
reply is never shown unchecked: every sentence goes through the verifier, which keeps only
the sentences that answer the question and cite a given passage supporting them, with citations renumbered and
pointing at the supporting sentences' offsets. When nothing supported is left, the
extractive answer stands in (or the abstention), still naming the model and listing what
was removed. ``stream`` yields verified sentences as the model writes them.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from typing import Any

from assistant.answer.abstention import Abstention
from assistant.answer.extractive import ExtractiveAnswerer
from assistant.answer.inertness import demote_directives
from assistant.answer.prompts import Prompts
from assistant.answer.result import ABSTENTION, Answer, Answerer, Turn, abstention
from assistant.answer.verification import Verification, Verifier, parse_claims, verify
from assistant.dialogue.followups import history_text
from assistant.retrieve.retrievers import Passage

log = logging.getLogger(__name__)

MAX_PASSAGES = 5
# The local 135M model: fewer, shorter passages keep it from looping.
LOCAL_PASSAGES = 3
LOCAL_EXCERPT_CHARS = 500


class LLMError(RuntimeError):
    """The model could not be asked; one line naming the mode, the model and the cause."""


class LLMAnswerer:
    """Answers written by a language model and checked sentence by sentence."""

    def __init__(
        self,
        mode: str,
        llm: Any,
        model: str,
        fallback: ExtractiveAnswerer,
        prompts: Prompts | None = None,
        max_passages: int = MAX_PASSAGES,
        excerpt_chars: int | None = None,
        where: str = "",
    ) -> None:
        self.mode = mode
        self.llm = llm
        self.model: str | None = model
        self.fallback = fallback
        self.prompts = prompts or Prompts()
        self.max_passages = max_passages
        # Small models lose their way in long prompts: give them each passage's best sentences.
        self.excerpt_chars = excerpt_chars
        self.where = where  # the server, for error messages

    # --- the answerer interface ----------------------------------------------------------

    def answer(self, question: str, passages: list[Passage], searched: str | None = None) -> Answer:
        passages = demote_directives(passages)
        confidence = self.fallback.abstention.confidence(passages)
        if confidence < self.fallback.abstention.threshold:
            return abstention(question, self.mode, model=self.model, searched=searched, confidence=confidence)
        given = self.given(passages)
        reply = self._call(lambda: self.llm.chat(self.messages(searched or question, given)).message.content or "")
        checked = self._checked(reply, given, searched or question)
        return self._finish(question, passages, checked, searched, confidence)

    def stream(self, question: str, passages: list[Passage], searched: str | None = None) -> Iterator[str | Answer]:
        """Verified sentences as the model writes them (text so far), then the final Answer."""
        passages = demote_directives(passages)
        confidence = self.fallback.abstention.confidence(passages)
        if confidence < self.fallback.abstention.threshold:
            final = abstention(question, self.mode, model=self.model, searched=searched, confidence=confidence)
            yield final.answer
            yield final
            return
        given = self.given(passages)
        verifier = Verifier(given, searched or question)
        reply = ""
        checked = 0
        shown: list[str] = []
        for delta in self._stream(self.messages(searched or question, given)):
            reply += delta
            claims = [c for c in parse_claims(reply) if not _is_abstention(c.text)]
            # Every sentence but the last is complete once the next one has begun.
            while checked < len(claims) - 1:
                kept = verifier.check(claims[checked])
                checked += 1
                if kept:
                    shown.append(kept)
                    yield " ".join(shown)
        final = self._finish(
            question, passages, self._checked(reply, given, searched or question), searched, confidence
        )
        if final.answer != " ".join(shown):
            yield final.answer
        yield final

    # --- follow-ups ------------------------------------------------------------------------

    def condense(self, question: str, history: Sequence[Turn]) -> str | None:
        """The model's standalone rewrite of a follow-up (None if it could not be asked)."""
        from llama_index.core.base.llms.types import ChatMessage, MessageRole

        prompt = self.prompts.render("condense", history=history_text(history), question=question)
        try:
            response = self.llm.chat([ChatMessage(role=MessageRole.USER, content=prompt)])
        except Exception as error:  # the rule-based rewrite stands in; the answer call reports the failure
            log.warning("%s mode: condensing the follow-up failed (%s); using the rule", self.mode, error)
            return None
        return response.message.content or None

    # --- parts -----------------------------------------------------------------------------

    def given(self, passages: list[Passage]) -> list[Passage]:
        """The passages the model sees (and the verifier checks against)."""
        chosen = passages[: self.max_passages]
        return [excerpt(p, self.excerpt_chars) for p in chosen] if self.excerpt_chars else chosen

    def messages(self, question: str, passages: Sequence[Passage]) -> list[Any]:
        """The system prompt and the question with its numbered, fenced passages."""
        from llama_index.core.base.llms.types import ChatMessage, MessageRole

        system = self.prompts.render("system", abstention=ABSTENTION)
        user = self.prompts.render("question", passages=fence(passages), question=question, abstention=ABSTENTION)
        return [ChatMessage(role=MessageRole.SYSTEM, content=system), ChatMessage(role=MessageRole.USER, content=user)]

    def _checked(self, reply: str, given: list[Passage], question: str) -> Verification:
        """The verified reply: supported sentences on the question; the others count as removed."""
        return verify(_without_abstention(reply), given, question)

    def _finish(
        self, question: str, passages: list[Passage], checked: Verification, searched: str | None, confidence: float
    ) -> Answer:
        if checked.answer:
            return Answer(
                question=question,
                mode=self.mode,
                answer=checked.answer,
                citations=checked.citations,
                model=self.model,
                removed_sentences=checked.removed,
                searched=searched,
                confidence=confidence,
            )
        stand_in = self.fallback.answer(question, passages, searched)
        stand_in.mode = self.mode
        stand_in.model = self.model
        stand_in.removed_sentences = checked.removed
        return stand_in

    def _call(self, ask: Callable[[], str]) -> str:
        try:
            return ask()
        except Exception as error:
            raise self._error(error) from error

    def _stream(self, messages: list[Any]) -> Iterator[str]:
        try:
            for response in self.llm.stream_chat(messages):
                yield response.delta or ""
        except Exception as error:
            raise self._error(error) from error

    def _error(self, error: Exception) -> LLMError:
        where = f" at {self.where}" if self.where else ""
        cause = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return LLMError(f"{self.mode} mode: {self.model}{where} did not answer: {cause}")


def fence(passages: Sequence[Passage]) -> str:
    """The passages, numbered, each inside ``<passage>`` tags it cannot close itself."""
    blocks = []
    for n, passage in enumerate(passages, start=1):
        chunk = passage.chunk
        attributes = f'n="{n}" outlet="{_attribute(chunk.outlet)}" published="{_attribute(chunk.published or "")}"'
        text = re.sub(r"<\s*(/?)\s*passage", r"‹\1passage", chunk.text, flags=re.IGNORECASE)
        blocks.append(f"<passage {attributes}>\n[{n}] {text}\n</passage>")
    return "\n\n".join(blocks)


def excerpt(passage: Passage, max_chars: int) -> Passage:
    """The passage narrowed to the run of its sentences around the best one (at most ``max_chars``)."""
    if len(passage.chunk.text) <= max_chars or not passage.sentences:
        return passage
    ordered = sorted(passage.sentences, key=lambda s: s.sentence.start)
    best = ordered.index(passage.sentences[0])
    low = high = best
    rank = {id(s): i for i, s in enumerate(passage.sentences)}
    while True:
        options = [i for i in (low - 1, high + 1) if 0 <= i < len(ordered)]
        options = [i for i in options if _span(ordered, min(low, i), max(high, i)) <= max_chars]
        if not options:
            break
        pick = min(options, key=lambda i: rank[id(ordered[i])])
        low, high = min(low, pick), max(high, pick)
    start, end = ordered[low].sentence.start, ordered[high].sentence.end
    chunk = passage.chunk
    narrowed = replace(chunk, text=chunk.text[start - chunk.start : end - chunk.start], start=start, end=end)
    inside = [s for s in passage.sentences if start <= s.sentence.start and s.sentence.end <= end]
    return Passage(narrowed, passage.score, inside)


def _span(ordered: list[Any], low: int, high: int) -> int:
    return ordered[high].sentence.end - ordered[low].sentence.start


def _attribute(value: str) -> str:
    return re.sub(r"[\"<>\n]", " ", value)


def _is_abstention(sentence: str) -> bool:
    return sentence.strip().rstrip(".").lower() == ABSTENTION.rstrip(".").lower()


def _without_abstention(reply: str) -> str:
    """The reply without the abstention sentence (it is no claim; the stand-in decides)."""
    return re.sub(re.escape(ABSTENTION.rstrip(".")) + r"\.?", " ", reply, flags=re.IGNORECASE)


def build_answerer(mode: str, settings: Any, prompts: Prompts | None = None, llm: Any = None) -> Answerer:
    """The answerer of a mode: extractive, or an LLM answerer over that mode's model.

    Pass ``llm`` to reuse a model already built (and loaded) for this mode.
    """
    from assistant.answer.llm import LLM_MODES, build_llm, model_name

    extractive = ExtractiveAnswerer(
        Abstention(settings.abstain_weights, settings.abstain_threshold),
        settings.max_answer_sentences,
        margin=settings.answer_margin,
        same_fact_coverage=settings.same_fact_coverage,
        same_fact_similarity=settings.same_fact_similarity,
        duplicate_similarity=settings.duplicate_similarity,
    )
    if mode == "extractive":
        return extractive
    if mode not in LLM_MODES:
        raise ValueError(f"mode must be one of extractive, {', '.join(LLM_MODES)}. Currently, mode is {mode!r}")
    where = {"ollama": settings.ollama_url, "openai": settings.openai_base_url}.get(mode, "")
    small = {"max_passages": LOCAL_PASSAGES, "excerpt_chars": LOCAL_EXCERPT_CHARS} if mode == "local" else {}
    llm = llm if llm is not None else build_llm(mode, settings)
    return LLMAnswerer(mode, llm, model_name(mode, settings), extractive, prompts, where=where, **small)
