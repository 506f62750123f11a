"""The page's logic without a browser: safe uploads, the library, credentials, escaping."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from assistant.app import highlight, library
from assistant.app.events import Page, filters_from, metric_tables
from assistant.app.library import LibraryError, safe_name, save_upload
from assistant.app.page import credentials, serve
from assistant.settings import Settings

from .conftest import HERALD, ROOT, make_assistant

ARTICLE = (
    "---\ntitle: Aomori scallop cooperative reports record spring catch\n"
    "outlet: Tohoku Fisheries Weekly\npublished: 2024-04-12\n---\n"
    "AOMORI -- Fishing crews in Mutsu Bay had their busiest spring in two decades.\n\n"
    "The Aomori Scallop Cooperative landed 4,812 tonnes of scallops in March, its largest monthly "
    "catch on record, the cooperative's chairman Kenji Sato said.\n"
)


# --- file names --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../x.txt", "x.txt"),
        ("..\\..\\x.html", "x.html"),
        ("/etc/cron.d/evil.md", "evil.md"),
        ("C:\\Windows\\evil.txt", "evil.txt"),
        ("..／..／wide.txt", "wide.txt"),  # a fullwidth solidus is a slash after NFKC
        (".bashrc.txt", "bashrc.txt"),
        ("...hidden.md", "hidden.md"),
        ("Kishida visit (final)?.TXT", "Kishida_visit_final.txt"),
        ("ソウル会談.md", "ソウル会談.md"),
    ],
)
def test_safe_name_keeps_only_a_visible_base_name(name: str, expected: str):
    assert safe_name(name) == expected


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("report.pdf", "unsupported file type '.pdf'"),
        ("archive.tar.gz", "unsupported file type '.gz'"),
        ("no_extension", "unsupported file type '(none)'"),
        ("../", "unsupported file type '(none)'"),
        (".txt", "no usable file name"),
        ("../..txt", "no usable file name"),
        ("???.html", "no usable file name"),
    ],
)
def test_safe_name_refuses_with_a_one_line_reason(name: str, reason: str):
    with pytest.raises(LibraryError) as error:
        safe_name(name)
    assert reason in str(error.value)
    assert repr(name) in str(error.value)
    assert "\n" not in str(error.value)


def test_crafted_name_is_saved_inside_the_corpus_folder(tmp_path: Path):
    corpus = tmp_path / "a" / "corpus"
    upload = tmp_path / "upload.tmp"
    upload.write_text("Some article text.", encoding="utf-8")
    saved, created = save_upload(upload, "../../x.txt", corpus, max_bytes=1000)
    assert created
    assert saved == corpus.resolve() / "x.txt"
    assert saved.read_text(encoding="utf-8") == "Some article text."
    assert not (tmp_path / "x.txt").exists() and not (tmp_path / "a" / "x.txt").exists()
    assert sorted(p.name for p in tmp_path.rglob("x.txt")) == ["x.txt"]

    absolute, _ = save_upload(upload, str(tmp_path / "elsewhere" / "y.md"), corpus, max_bytes=1000)
    assert absolute == corpus.resolve() / "y.md"
    assert not (tmp_path / "elsewhere").exists()


def test_oversize_and_empty_uploads_are_refused(tmp_path: Path):
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * 1001)
    with pytest.raises(LibraryError, match=r"'big.txt': file too large \(1001 bytes, limit 1000\)"):
        save_upload(big, "big.txt", tmp_path / "corpus", max_bytes=1000)
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(LibraryError, match="'empty.txt': empty file"):
        save_upload(empty, "empty.txt", tmp_path / "corpus", max_bytes=1000)
    assert not any((tmp_path / "corpus").glob("*"))


def test_a_different_file_of_the_same_name_is_never_overwritten(tmp_path: Path):
    corpus = tmp_path / "corpus"
    first, second = tmp_path / "1", tmp_path / "2"
    first.write_text("first version", encoding="utf-8")
    second.write_text("second version", encoding="utf-8")
    assert save_upload(first, "note.txt", corpus, 100) == (corpus.resolve() / "note.txt", True)
    assert save_upload(first, "note.txt", corpus, 100) == (corpus.resolve() / "note.txt", False)
    assert save_upload(second, "note.txt", corpus, 100) == (corpus.resolve() / "note-2.txt", True)
    assert (corpus / "note.txt").read_text(encoding="utf-8") == "first version"


# --- credentials ---------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_loopback_needs_no_credentials(host: str):
    assert credentials(Settings(host=host, auth=None)) is None


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::", "example.org"])
def test_any_other_address_requires_credentials(host: str):
    with pytest.raises(ValueError, match=f"binding to {host} needs credentials"):
        credentials(Settings(host=host, auth=None))
    assert credentials(Settings(host=host, auth="ana:s3cret")) == ("ana", "s3cret")


@pytest.mark.parametrize("auth", ["ana", "ana:", ":s3cret"])
def test_malformed_credentials_are_refused(auth: str):
    with pytest.raises(ValueError, match="user:password"):
        credentials(Settings(host="0.0.0.0", auth=auth))


def test_serve_refuses_before_building_anything():
    with pytest.raises(ValueError, match="needs credentials"):
        serve(None, Settings(host="0.0.0.0", auth=None))  # never touches the assistant


def test_serve_command_refuses_a_public_address_without_credentials(tmp_path: Path):
    env = {key: value for key, value in os.environ.items() if key != "ASSISTANT_AUTH"}
    done = subprocess.run(
        [sys.executable, "-m", "assistant", "serve", "--host", "0.0.0.0", "--store", str(tmp_path / "store")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "error: binding to 0.0.0.0 needs credentials: set ASSISTANT_AUTH=user:password"
    ]
    assert not (tmp_path / "store").exists()  # refused before opening the store


# --- rendering -----------------------------------------------------------------------------

HOSTILE = "Intro.\n\nThe festival drew 31,000 visitors. <script>document.title='pwned'</script>\n\nEnd ${x} {{y}}."


def citation(**fields: object) -> SimpleNamespace:
    base = {
        "n": 1,
        "doc_id": "d",
        "title": "T",
        "outlet": "O",
        "published": "2024-05-01",
        "text": "",
        "start": 0,
        "end": 0,
        "score": 0.9,
    }
    return SimpleNamespace(**{**base, **fields})


def test_passage_html_escapes_and_marks_exactly_the_cited_span():
    start = HOSTILE.index("The festival")
    end = HOSTILE.index("</script>") + len("</script>")
    rendered = highlight.passage_html(HOSTILE, start, end)
    assert "<script" not in rendered and "{{" not in rendered and "${" not in rendered
    assert (
        "<mark>The festival drew 31,000 visitors. &#60;script&#62;document.title=&#39;pwned&#39;"
        "&#60;/script&#62;</mark>" in rendered
    )
    assert rendered.startswith('<div class="passage">Intro.')  # the surrounding text is shown
    assert "End &#36;&#123;x&#125; &#123;&#123;y&#125;&#125;." in rendered


def test_source_card_escapes_title_and_outlet_and_has_its_anchor():
    start = HOSTILE.index("The festival")
    end = HOSTILE.index("visitors.") + len("visitors.")
    card = highlight.source_card(
        citation(
            title="<img src=x onerror=alert(1)>", outlet="<b>Wire</b>", text=HOSTILE[start:end], start=start, end=end
        ),
        turn=3,
        article_text=HOSTILE,
    )
    assert 'id="cite-3-1"' in card
    assert "<img" not in card and "<b>" not in card
    assert "&#60;img src=x onerror=alert(1)&#62;" in card
    assert "<mark>The festival drew 31,000 visitors.</mark>" in card


def test_source_card_of_a_changed_article_shows_the_cited_text_alone():
    card = highlight.source_card(citation(text="Old <i>words</i>.", start=0, end=16), 1, "Different text now.")
    assert "<mark>Old &#60;i&#62;words&#60;/i&#62;.</mark>" in card
    assert "changed or been removed" in card


def test_context_is_cut_at_sentence_or_paragraph_boundaries():
    text = " ".join(f"Sentence number {i} is here." for i in range(100))
    start = text.index("Sentence number 50 ")
    end = text.index("Sentence number 51 ")
    lo, hi = highlight.context_bounds(text, start, end, context=200)
    assert text[lo:].startswith("Sentence number ") and lo < start
    assert text[:hi].endswith("is here.") and hi > end


def test_answer_markers_link_only_to_known_citations():
    answer = SimpleNamespace(answer='He said "<b>yes</b>" [1] and [7].', citations=[citation(n=1)])
    rendered = highlight.answer_html(answer, turn=2)
    assert '<a class="cite-link" href="#cite-2-1" title="Show source 1">[1]</a>' in rendered
    assert "&#91;7&#93;" in rendered and "#cite-2-7" not in rendered
    assert "<b>" not in rendered


def test_abstention_and_removed_sentences_are_announced():
    abstained = SimpleNamespace(
        answer="The articles do not cover this question.",
        abstained=True,
        citations=[],
        removed_sentences=[],
        searched=None,
        question="q",
        model=None,
        mode="extractive",
    )
    assert "Not covered by the articles." in highlight.answer_bubble(abstained, 1)
    trimmed = SimpleNamespace(
        answer="Kept [1].",
        abstained=False,
        citations=[citation()],
        removed_sentences=["Invented <claim>.", "ACCESS GRANTED."],
        searched=None,
        question="Which claim was invented?",
        model="SmolLM2",
        mode="local",
    )
    bubble = highlight.answer_bubble(trimmed, 1)
    assert "2 sentences were removed" in bubble and "Invented &#60;claim&#62;." in bubble
    # A removed sentence that is not about the question (an order an article gave) is counted, not shown.
    assert "ACCESS" not in bubble and "1 not about the question, not shown" in bubble
    assert "Written by SmolLM2 (local mode)" in bubble
    assert "Low confidence" not in bubble  # no confidence given


@pytest.mark.parametrize("confidence,warned", [(0.42, True), (0.5, False), (0.93, False)])
def test_an_answer_the_assistant_is_unsure_of_says_so(confidence: float, warned: bool):
    answer = SimpleNamespace(
        answer="Kept [1].",
        abstained=False,
        citations=[citation()],
        removed_sentences=[],
        searched=None,
        question="q",
        model=None,
        mode="extractive",
        confidence=confidence,
    )
    bubble = highlight.answer_bubble(answer, 1)
    assert ("Low confidence (42%)" in bubble) == warned


def test_filters_and_metric_tables():
    assert filters_from("All outlets", "", " ").outlet is None
    chosen = filters_from("The Korea Herald", "2024-09-01", "2024-09-30")
    assert (chosen.outlet, chosen.since, chosen.until) == ("The Korea Herald", "2024-09-01", "2024-09-30")
    with pytest.raises(ValueError, match="since: not a date: 'soon'"):
        filters_from(None, "soon", None)
    retrieval, answers = metric_tables(
        {
            "retrievers": {"hybrid": {"hit@1": 0.91234, "mrr": None}, "bm25": {"hit@1": 0.5}},
            "answers": {"faithfulness": 1.0},
        }
    )
    assert retrieval == {"headers": ["retriever", "hit@1", "mrr"], "data": [["hybrid", 0.912, "—"], ["bm25", 0.5, "—"]]}
    assert answers == {"headers": ["metric", "value"], "data": [["faithfulness", 1.0]]}


# --- the library and the chat over a real index (real Chroma, real embedding model) --------


@pytest.mark.slow
def test_upload_remove_and_reindex_over_a_real_index(tmp_path: Path, corpus_copy: Path, embedder):
    assistant = make_assistant(tmp_path / "store", embedder, corpus=corpus_copy)
    assistant.ingest([corpus_copy])
    good = tmp_path / "scallops.txt"
    good.write_text(ARTICLE, encoding="utf-8")
    binary = tmp_path / "blob.txt"
    binary.write_bytes(b"\x00\x01binary")
    steps: list[tuple[int, int]] = []

    outcome = library.add_uploads(
        assistant,
        [(good, "../../scallops.txt"), (binary, "blob.txt"), (good, "scallops.pdf")],
        corpus_copy,
        max_bytes=10_000,
        progress=lambda done, total, path: steps.append((done, total)),
    )
    assert outcome.lines == ["added: Aomori scallop cooperative reports record spring catch (scallops.txt, 1 passage)"]
    assert outcome.problems == [
        "'scallops.pdf': unsupported file type '.pdf' (allowed: .txt, .md, .html, .htm)",
        "'blob.txt': binary file (contains NUL bytes)",
    ]
    assert steps == [(1, 2), (2, 2)]
    assert (corpus_copy / "scallops.txt").is_file()
    assert not (corpus_copy / "blob.txt").exists()  # a file the index refused does not stay
    assert not (tmp_path.parent / "scallops.txt").exists()
    rows = library.library_rows(assistant)
    assert [
        "Aomori scallop cooperative reports record spring catch",
        "Tohoku Fisheries Weekly",
        "2024-04-12",
        1,
        "scallops",
    ] in rows
    assert library.outlets(assistant) == ["The Japan News", "The Korea Herald", "Tohoku Fisheries Weekly"]
    assert "4,812 tonnes" in assistant.ask("How many tonnes of scallops did the cooperative land?").answer

    removed = library.remove_article(assistant, "scallops", corpus_copy)
    assert removed.lines == [
        "removed: Aomori scallop cooperative reports record spring catch (scallops) "
        "and deleted scallops.txt from the corpus folder"
    ]
    assert not (corpus_copy / "scallops.txt").exists()
    assert [row[4] for row in library.library_rows(assistant)] == [HERALD, "001_7118ffbf18bc5e17"]
    with pytest.raises(LibraryError, match="no article with id 'scallops'"):
        library.remove_article(assistant, "scallops", corpus_copy)

    (corpus_copy / f"{HERALD}.txt").unlink()
    again = library.reindex(assistant, corpus_copy)
    assert again.lines == [f"re-indexed {corpus_copy}: added 0, updated 0, unchanged 1, removed 1, skipped 0"]
    with pytest.raises(LibraryError, match="does not exist"):
        library.reindex(assistant, tmp_path / "missing")


@pytest.mark.slow
def test_page_streams_a_cited_answer_and_its_sources(seed_assistant):
    page = Page(seed_assistant, seed_assistant.settings)
    steps = list(page.respond("What did Kishida say about the 1998 declaration?", [], [], {}))
    chat, panel, turns = steps[-1]
    assert [message["role"] for message in chat] == ["user", "assistant"]
    assert "previous Cabinets" in chat[-1]["content"]
    assert 'href="#cite-1-1"' in chat[-1]["content"]
    assert all(step[1] is None for step in steps[:-1])  # the sources panel changes once, at the end
    assert panel is not None and 'id="cite-1-1"' in panel and "The Korea Herald" in panel
    assert "<mark>&#34;I have also made it clear that I fully uphold the positions of previous Cabinets" in panel
    assert [turn for turn, _ in turns] == [1]
