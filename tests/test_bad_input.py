"""Bad input at volume: generated files are ingested or skipped with a one-line reason, never
a crash; generated questions are answered or refused with one clear line.

Real pipeline, real Chroma in a temporary folder, the real embedding model; example counts
are kept small because every ingested file is embedded on the CPU.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.cli import main
from assistant.engine import QuestionError, checked_question

from .conftest import make_assistant

pytestmark = pytest.mark.slow

MARKS = ["\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u202a", "\u202e", "\u2066", "\u2069", "\ufeff"]
WORDS = ["Seoul", "Tokyo", "summit", "said", "the", "minister", "agreed", "on", "Tuesday", "talks", "مرحبا", "東京"]
SENTENCE = st.lists(st.sampled_from(WORDS + MARKS), min_size=1, max_size=30).map(lambda words: " ".join(words) + ".")
MARKED_TEXT = st.lists(
    st.one_of(SENTENCE, st.text(alphabet=st.sampled_from(MARKS + list("abc .\n")), max_size=40)), max_size=8
).map("\n\n".join)
FRONT_MATTER = st.fixed_dictionaries(
    {},
    optional={
        "title": st.text(max_size=30),
        "outlet": st.text(max_size=20),
        "published": st.one_of(
            st.sampled_from(["2024-13-45", "2024-02-30", "yesterday", "", "0000-00-00", "99999-01-01", "2024-09-06"]),
            st.text(max_size=12),
        ),
    },
)
HTML = st.builds(
    lambda depth, tag, text, close: f"<{tag}>" * depth + text + (f"</{tag}>" * depth if close else "<p><b>"),
    st.integers(0, 3000),
    st.sampled_from(["div", "p", "span", "table", "b"]),
    st.one_of(SENTENCE, st.text(max_size=50)),
    st.booleans(),
)


def document(front: dict[str, str], body: str) -> str:
    if not front and not body:
        return ""
    lines = [f"{key}: {value.replace(chr(10), ' ')}" for key, value in front.items()]
    return "---\n" + "\n".join(lines) + ("\n" if lines else "") + "---\n" + body


FILES = st.one_of(
    st.tuples(st.just(".txt"), st.binary(max_size=400)),
    st.tuples(st.just(".txt"), MARKED_TEXT.map(str.encode)),
    st.tuples(st.just(".md"), st.builds(document, FRONT_MATTER, MARKED_TEXT).map(str.encode)),
    st.tuples(st.just(".html"), HTML.map(str.encode)),
)


@pytest.fixture(scope="module")
def bad_store(tmp_path_factory: pytest.TempPathFactory, embedder) -> object:
    return make_assistant(tmp_path_factory.mktemp("bad-input-store"), embedder, entities=False)


def check_report(assistant: object, path: Path) -> None:
    report = assistant.ingest([path])  # type: ignore[attr-defined]
    doc_id = path.stem
    reasons = [reason for where, reason in report.skipped if Path(where) == path]
    if reasons:
        assert len(reasons) == 1 and reasons[0].strip() and "\n" not in reasons[0]
        assert "Error" not in reasons[0] and "Traceback" not in reasons[0]
    else:
        assert doc_id in report.added + report.updated + report.unchanged
        record = assistant.index.document_record(doc_id)  # type: ignore[attr-defined]
        assert record is not None and record.chunks >= 1


@settings(max_examples=25, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(file=FILES, number=st.integers(0, 10**6))
def test_a_generated_file_is_ingested_or_skipped_with_its_reason(
    bad_store, tmp_path_factory: pytest.TempPathFactory, file: tuple[str, bytes], number: int
):
    suffix, data = file
    path = tmp_path_factory.mktemp("bad-input") / f"doc{number}{suffix}"
    path.write_bytes(data)
    check_report(bad_store, path)


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.txt", b"", "empty file"),
        ("nul.txt", b"Seoul\x00Tokyo", "binary file (contains NUL bytes)"),
        ("latin1.txt", "Caf\u00e9 talks in Seoul.".encode("latin-1"), "not UTF-8 text (undecodable byte at offset 3)"),
        pytest.param(
            "marks.txt",
            "\u200b\u200f\u202e\ufeff\n\u2066\u2069".encode(),
            "no article text after cleaning",
        ),
        ("nested.html", b"<div>" * 20000 + b"</div>" * 20000, None),
    ],
)
def test_hand_made_bad_files_get_their_reason(bad_store, tmp_path: Path, name: str, data: bytes, reason: str | None):
    path = tmp_path / name
    path.write_bytes(data)
    report = bad_store.ingest([path])
    skipped = dict(report.skipped)
    if reason is None:  # nothing to say, but said in one line
        assert len(skipped[str(path)].splitlines()) == 1
    else:
        assert skipped == {str(path): reason}


def test_a_huge_single_line_is_ingested(bad_store, tmp_path: Path):
    path = tmp_path / "one-line.txt"
    path.write_text("The minister met officials in Seoul and " + "talked at length and " * 1500 + "left.")
    report = bad_store.ingest([path])
    assert report.added == ["one-line"]
    assert bad_store.index.document_record("one-line").chunks >= 1


@settings(max_examples=40, deadline=None, database=None)
@given(
    question=st.one_of(
        st.text(max_size=60),
        st.text(alphabet=st.sampled_from(list("?!.,;:-'\"()[]{}…—") + MARKS), max_size=40),
        st.text(alphabet=st.characters(categories=["Lo", "Mn", "Nd"]), min_size=1, max_size=40),
        st.integers(1990, 3000).map(lambda n: "x" * n),
    )
)
def test_a_generated_question_is_taken_or_refused_in_one_line(question: str):
    try:
        checked = checked_question(question, 2000)
    except QuestionError as error:
        message = str(error)
        assert message.startswith("the question ") and "\n" not in message
        return
    assert checked == " ".join(question.split()) and 0 < len(checked) <= 2000
    assert any(character.isalnum() for character in checked)


@settings(max_examples=8, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    question=st.one_of(
        st.text(alphabet=st.characters(categories=["Lo", "Ll", "Lu", "Nd", "Po", "Zs"]), min_size=1, max_size=80),
        st.lists(st.sampled_from(WORDS + MARKS), min_size=1, max_size=12).map(" ".join),
    )
)
def test_a_generated_question_gets_an_answer_or_one_line(seed_store: Path, question: str):
    result = CliRunner().invoke(main, ["ask", question, "--json", "--store", str(seed_store)])
    if result.exit_code == 0:
        answer = json.loads(result.stdout)
        assert answer["answer"] and (answer["abstained"] or answer["citations"])
    else:
        assert result.exit_code == 2, result.output
        assert result.stderr.strip().splitlines()[-1].startswith("Error: the question ")
