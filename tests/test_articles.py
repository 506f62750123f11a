"""Reading and cleaning articles: metadata, page furniture, captions, formats, bad files."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.ingest.articles import ArticleError, normalise_date, parse_article, read_article
from assistant.ingest.chunking import chunk_article

from .conftest import CORPUS, HERALD, JAPAN_NEWS

# The headlines of the "POPULAR ARTICLE" and "JN ACCESS RANKING" lists at the end of the
# Japan News page, copied by hand from the seed file.
FURNITURE_HEADLINES = [
    "POPULAR ARTICLE",
    "JN ACCESS RANKING",
    "2024 POLLS: Ruling Camp Likely to Win Lower House Majority",
    "Komeito Leader Keiichi Ishii Fails to Win Seat in Election",
    "Special Diet Session likely to Open Nov. 11",
    "Ruling Bloc Could Seek Broader Coalition Amid Turmoil",
    "Shigeru Ishiba Retains Post as Japanese Prime Minister",
    "Streaming Services Boost Anime Popularity Overseas",
    "G20 Sees Soft Landing for Global Economy",
    "Chinese Rights Lawyer’s Wife Seeks Support in Japan",
    "Chinese Social Media Still Full of Anti-Japanese Posts",
]


def test_herald_metadata_from_front_matter_and_leading_date_line():
    article = read_article(CORPUS / f"{HERALD}.txt", CORPUS)
    assert article.doc_id == HERALD
    assert article.outlet == "The Korea Herald"
    assert article.published == "2024-09-06"  # from the leading "date 2024-09-06" line
    assert article.text.startswith("South Korean President Yoon Suk Yeol and outgoing")
    assert article.text.endswith("Kishida reiterated.")


def test_photo_caption_is_kept_out_of_the_body():
    article = read_article(CORPUS / f"{HERALD}.txt", CORPUS)
    assert "Pool photo via Yonhap" not in article.text
    assert "poses with Japanese Prime Minister" not in article.text
    assert any("Pool photo via Yonhap" in caption for caption in article.captions)


def test_japan_news_metadata_from_headline_timestamp_and_dateline():
    article = read_article(CORPUS / f"{JAPAN_NEWS}.txt", CORPUS)
    assert article.title.startswith("Japan PM Kishida, S. Korea’s Yoon Agree to Cooperate")
    assert article.published == "2024-09-06"  # "18:19 JST, September 6, 2024 (updated at 20:30 JST)"
    assert article.outlet == "The Japan News"
    assert article.dateline == "SEOUL"
    assert article.text.startswith("SEOUL — Prime Minister Fumio Kishida met")
    assert "18:19 JST" not in article.text


@pytest.mark.parametrize("headline", FURNITURE_HEADLINES)
def test_page_furniture_is_not_in_the_text_nor_in_any_chunk(headline: str):
    article = read_article(CORPUS / f"{JAPAN_NEWS}.txt", CORPUS)
    assert headline not in article.text
    assert all(headline not in chunk.text for chunk in chunk_article(article))
    assert article.text.endswith("with this being their 12th face-to-face meeting.")


def test_furniture_in_the_middle_drops_only_the_list():
    raw = (
        b"Title of the story\n\nFirst paragraph of the story.\n\nRelated Articles\n- Some other story\n"
        b"- Another story\n\nThe story goes on here with a full sentence.\n"
    )
    article = parse_article(raw, ".txt", "mid")
    assert "Some other story" not in article.text
    assert "The story goes on here" in article.text


def test_html_goes_through_trafilatura(tmp_path: Path):
    html = """<html><head><title>Ports reopen after storm | Coast Times</title>
    <meta property="og:site_name" content="Coast Times"><meta name="date" content="2024-10-02"></head>
    <body><nav>Home | World | Sports</nav><article><h1>Ports reopen after storm</h1>
    <p>The harbour authority said on Wednesday that all three ports reopened after the storm passed.</p>
    <p>Shipping companies expect delays of two days while cargo backlogs clear.</p></article>
    <footer>Copyright Coast Times. Subscribe to our newsletter.</footer></body></html>"""
    path = tmp_path / "storm.html"
    path.write_text(html)
    article = read_article(path, tmp_path)
    assert "all three ports reopened" in article.text
    assert "Subscribe to our newsletter" not in article.text
    assert article.outlet == "Coast Times"
    assert article.published == "2024-10-02"
    assert article.title.startswith("Ports reopen after storm")


def test_markdown_heading_becomes_the_title():
    article = parse_article(b"# Rain expected\n\nForecasters said rain is expected on Monday.\n", ".md", "rain")
    assert article.title == "Rain expected"
    assert article.text == "Forecasters said rain is expected on Monday."


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.txt", b"", "empty file"),
        ("blank.txt", b"   \n\n ", "empty file"),
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
        ("latin1.txt", "Caf\xe9 owners said prices rose.".encode("latin-1"), "not UTF-8 text"),
        ("slides.pdf", b"%PDF-1.4 hello", "unsupported file type"),
        ("only-furniture.txt", b"POPULAR ARTICLES\n- One headline\n- Two headline\n", "no article text"),
    ],
)
def test_bad_files_raise_a_one_line_reason(tmp_path: Path, name: str, content: bytes, reason: str):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ArticleError) as caught:
        read_article(path, tmp_path)
    assert reason in str(caught.value)
    assert "\n" not in str(caught.value)


def test_oversize_file_is_refused(tmp_path: Path):
    path = tmp_path / "big.txt"
    path.write_text("Word after word. " * 100)
    with pytest.raises(ArticleError, match="too large"):
        read_article(path, tmp_path, max_bytes=1000)


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2024-09-06", "2024-09-06"),
        ("September 6, 2024", "2024-09-06"),
        ("Sept. 6, 2024", "2024-09-06"),
        ("6 September 2024", "2024-09-06"),
        ("2024-02-30", None),
        ("yesterday", None),
    ],
)
def test_dates_normalise_to_iso(text: str, iso: str | None):
    assert normalise_date(text) == iso


def test_document_id_is_relative_path_without_extension(tmp_path: Path):
    (tmp_path / "asia" / "korea").mkdir(parents=True)
    path = tmp_path / "asia" / "korea" / "summit.txt"
    path.write_text("Leaders met in Seoul on Friday.")
    assert read_article(path, tmp_path).doc_id == "asia/korea/summit"


def _article(front_matter: str, body: str):
    return parse_article(f"---\n{front_matter}\n---\n{body}".encode(), ".txt", "doc")


def test_with_a_title_in_front_matter_a_first_line_without_a_full_stop_is_kept():
    body = "The announcement comes a day after the airline pulled the plug on the merger\n\nMore text follows here."
    article = _article("title: Airline ends merger talks\noutlet: Example", body)
    assert article.text.startswith("The announcement comes a day after")
    assert article.title == "Airline ends merger talks"


def test_a_first_line_that_repeats_the_title_is_removed_as_the_headline():
    article = _article(
        "title: Council approves new library\noutlet: Example", "Council approves new library\nThe vote was 5-2."
    )
    assert article.text == "The vote was 5-2."


def test_a_dateline_opening_is_never_taken_for_a_headline():
    body = "BERGEN, N.J. — The council met on Monday to vote on the plan\nIt passed."
    article = _article("outlet: Example", body)
    assert article.text.startswith("BERGEN, N.J. — The council met")
    assert article.dateline == "BERGEN, N.J."


@pytest.mark.parametrize(
    "written,title",
    [
        ("'Goblin mode' is the word of the year", "'Goblin mode' is the word of the year"),
        ('"Quoted whole title"', "Quoted whole title"),
        ("A title with 'inner' quotes", "A title with 'inner' quotes"),
    ],
)
def test_front_matter_titles_keep_their_own_quotes(written: str, title: str):
    assert _article(f"title: {written}", "Some text.").title == title
