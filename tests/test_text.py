"""The text toolkit: one stemmer and stop-word list, question types, and the entity tagger."""

from __future__ import annotations

import pytest

from assistant.text.entities import EntityTagger
from assistant.text.questions import holds_answer, wanted_answer
from assistant.text.sentences import DATELINE
from assistant.text.words import content_words, stem, terms


def test_content_words_are_stemmed_without_stop_words() -> None:
    assert content_words("The leaders were meeting about the agreements") == {"leader", "meet", "agreement"}
    assert terms("They did not sign 2 deals").negated and "2" in terms("They did not sign 2 deals").numbers


@pytest.mark.parametrize(
    "question,kind",
    [
        ("When is the new library expected to open?", "time"),
        ("In which month will the trial start?", "time"),
        ("How much money did Japan promise South Korea?", "number"),
        ("How long did the strike last?", "length"),
        ("Who is going to be Japan's next prime minister?", "person"),
        ("Which Republican presidential candidate won the caucuses?", "person"),
        ("Where did the leaders meet?", "place"),
        ("Which country hosted the summit?", "place"),
        ("Which airline operated the flight?", "organisation"),
        ("Why did the talks stall?", "cause"),
        # Only the asking sentence counts, after a sentence that sets the scene.
        ("The leaders met for a summit this week. Where did the summit take place?", "place"),
        ("Mr. Tanaka opened the new library. When did it open?", "time"),
        # The head noun of the phrase decides, past numbers, plurals, modifiers and possessives.
        ("Which two airlines announced a merger?", "organisation"),
        ("Which film director won the prize?", "person"),
        ("Which US bank reported a loss?", "organisation"),
        ("The protest began in which state's largest park?", "place"),
        ("What is the name of the new ferry?", "name"),
        ("Which company did the mayor name in her speech?", "organisation"),
    ],
)
def test_the_kind_of_answer_a_question_wants(question: str, kind: str) -> None:
    wanted = wanted_answer(question)
    assert wanted is not None and wanted.kind == kind


@pytest.mark.parametrize(
    "question",
    [
        "The museum has banned what from its galleries?",  # "what" is the object: no noun follows it
        "What did Mr. Tanaka say about the U.S. President?",  # "Mr." and "U.S." end no sentence
        "The mayor spoke on Monday. What did she say?",
    ],
)
def test_a_question_that_names_no_kind_of_answer_wants_none(question: str) -> None:
    assert wanted_answer(question) is None


@pytest.mark.parametrize(
    "question,noun",
    [
        ("Which old bridge collapsed in the storm?", "bridge"),
        ("What new safety rule did the council adopt?", "rule"),
        ("Which red car crashed in the race?", "car"),  # "red" is no past tense
    ],
)
def test_a_which_question_wants_its_head_noun(question: str, noun: str) -> None:
    wanted = wanted_answer(question)
    assert wanted is not None and wanted.kind == "noun" and wanted.noun == stem(noun)


def test_a_sentence_holds_an_answer_when_it_has_a_new_entity_of_the_wanted_label() -> None:
    tagger = EntityTagger()
    question = "When is the new library expected to open?"
    dated = "The library is expected to open in September 2026, the mayor said."
    undated = "The council voted to approve the library."
    wanted = wanted_answer(question)
    for sentence, holds in ((dated, True), (undated, False)):
        entities = [(e.label, e.text) for e in tagger.entities([sentence])[0]]
        assert holds_answer(wanted, sentence, question, entities) == holds
    # A date the question itself gives is no answer.
    asked = "When in September 2026 is it expected to open?"
    entities = [(e.label, e.text) for e in tagger.entities([dated])[0]]
    assert not holds_answer(wanted_answer(asked), dated, asked, entities)


@pytest.mark.parametrize("dash", ["—", "--", "–", "―", "−"])
def test_a_datelines_place_is_no_answer_to_where(dash: str) -> None:
    """Outlets set datelines with any of these dashes; the place heading the story answers nothing."""
    tagger = EntityTagger()
    question = "Where did the generals meet?"
    opening = f"WASHINGTON {dash} The generals met on Tuesday to discuss the budget."
    assert DATELINE.match(opening)
    entities = [(e.label, e.text) for e in tagger.entities([opening])[0]]
    assert ("GPE", "WASHINGTON") in entities
    assert not holds_answer(wanted_answer(question), opening, question, entities)
    placed = f"WASHINGTON {dash} The generals met at a base in Virginia on Tuesday."
    entities = [(e.label, e.text) for e in tagger.entities([placed])[0]]
    assert holds_answer(wanted_answer(question), placed, question, entities)
