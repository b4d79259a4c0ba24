"""`consult-analysis report` on an export: the Word file read back, the HTML in Chromium, the words."""

from __future__ import annotations

import csv
import io
import random
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from analysis.cli import main
from tests.analysis.builders import QUESTIONNAIRE, write_export
from tests.board_report.reading import read_docx
from tests.browser import assert_accessible, chromium
from tests.themes.conftest import fixture_rows

THRESHOLD = 10
# The breakdowns the report publishes, as `counts` options.
BY_REPORT = ("--by", "role", "--by", "organisation_type", "--by", "region")


def _export(tmp_path: Path, n: int = 240, seed: int = 7) -> Path:
    """Free text from the themes fixture plus single-choice answers of uneven sizes (some small)."""
    rng = random.Random(seed)
    rows = fixture_rows(n, seed)
    for row in rows:
        for question in QUESTIONNAIRE.questions:
            if question.is_single_choice and question.shown_if is None:
                # In odd-numbered questions the last option is rare, so it falls under the threshold.
                weights = [10] * (len(question.options) - 1) + [0.4 if question.number % 2 else 10]
                row[question.id] = rng.choices(question.options, weights)[0] if rng.random() < 0.95 else ""
        row["role"] = rng.choice(["Leader", "Chief executive", "Other councillor"])
        row["q14"] = rng.choice(["Yes", "No"]) if row["q13"] == "Yes" else ""
        row["q16"] = rng.choice(["Yes", "No"]) if row["q15"] == "Yes" else ""
        if row["q3"].startswith("="):
            row["q3"] = "'" + row["q3"]
    return write_export(tmp_path / "export.csv", rows)


def _run(*args: str) -> object:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _export(tmp_path_factory.mktemp("export"))


@pytest.fixture(scope="module")
def words_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("words") / "words.toml"
    path.write_text(
        'purpose = "To report the results of the Taking Stock consultation."\n'
        'recommendations = ["That the Board notes the results.", "That officers revise the offer."]\n'
        '[contact]\nname = "Dennis Skinner"\nposition = "Head of Leadership"\n'
        'phone = "020 7664 3017"\nemail = "dennis.skinner@local.gov.uk"\n',
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="module")
def word_report(export: Path, words_file: Path, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    out = tmp_path_factory.mktemp("out") / "report.docx"
    result = _run(
        "report", str(export), "--format", "docx", "--out", str(out), "--words", str(words_file), "-q"
    )
    assert result.exit_code == 0, result.output
    # What the paper leaves out is listed for the team on stderr, even with -q.
    assert "Before this paper goes to the Board:\n" in result.output
    assert "  - Not written yet: summary, action, background and financial implications" in result.output
    return out.read_bytes()


def _published_counts(export: Path) -> dict[str, list[tuple[str, str]]]:
    """`consult-analysis counts` CSV with the report's breakdowns (one protected family), all
    respondents: question id → [(option, count or "" if suppressed)]."""
    result = _run("counts", str(export), *BY_REPORT, "--threshold", str(THRESHOLD), "-q")
    assert result.exit_code == 0, result.output
    text = result.output
    rows = list(csv.DictReader(io.StringIO(text[text.index("question_id") :])))
    out: dict[str, list[tuple[str, str]]] = {}
    for row in rows:
        if row["segment_by"] == "all":
            out.setdefault(row["question_id"], []).append((row["option"], row["count"]))
    return out


def test_word_report_has_every_question_in_order_with_its_heading(word_report: bytes) -> None:
    read = read_docx(word_report)
    assert read.headings[0][0] == "Title"
    parts = [text for style, text in read.headings if style == "Heading 1"]
    # Only the parts the words file gives, then the results and the annex.
    assert parts == ["Purpose of report", "Recommendations", "Results of the consultation", "Annex: methods"]
    questions = [text for style, text in read.headings if style == "Heading 3"]
    assert questions == [f"Question {q.number}. {q.text}" for q in QUESTIONNAIRE.questions]


def test_word_report_tables_match_counts_and_hide_small_numbers(word_report: bytes, export: Path) -> None:
    read = read_docx(word_report)
    published = _published_counts(export)
    captions = [re.sub(r"^Table \d+: ", "", c) for c in read.captions]
    by_caption = dict(zip(captions, read.tables, strict=True))
    single = [q for q in QUESTIONNAIRE.questions if q.is_single_choice]
    for question in single:
        table = by_caption[f"Question {question.number}, answers of all respondents"]
        assert table[0][:2] == ["Answer", "Number"] and table[0][2].startswith("Per cent of ")
        rows = [*table[1 : 1 + len(question.options)], table[-2]]  # the options and "Not answered"
        mine = [(row[0], "" if row[1] == "[c]" else row[1].replace(",", "")) for row in rows]
        assert mine == published[question.id], question.id
    suppressed = sum(1 for rows in published.values() for _, count in rows if count == "")
    assert suppressed > 0, "the export should have some small counts to hide"
    for table in read.tables:
        # "Not answered" is published as `counts` publishes it (checked equal above).
        for row in (r for r in table[1:] if r[0] != "Not answered"):
            for cell in row[1:]:
                if re.fullmatch(r"[\d,]+", cell):
                    assert int(cell.replace(",", "")) == 0 or int(cell.replace(",", "")) >= THRESHOLD, (
                        row,
                        table[0],
                    )


def test_word_report_charts_words_methods_and_unreviewed_themes(word_report: bytes) -> None:
    read = read_docx(word_report)
    single = [q for q in QUESTIONNAIRE.questions if q.is_single_choice]
    assert len(read.alt_texts) == len(single)
    assert all(alt and alt.startswith("Bar chart of answers") for alt in read.alt_texts)
    assert "To report the results of the Taking Stock consultation." in read.text
    assert "That officers revise the offer." in read.text
    assert "Dennis Skinner" in read.text and "dennis.skinner@local.gov.uk" in read.text
    assert "Not yet written" not in read.text and ("Heading 1", "Summary") not in read.headings
    assert "Disclosure control: no count below 10" in read.text
    assert "normalised mutual information of 0.238" in read.text
    # q3 and q21 have enough answers
    assert read.text.count("These themes were found by software for this report") >= 2
    assert "cannot give response rates against invitations" in read.text
    assert len(read.numbered) > 20
    # No answer is quoted from an unreviewed draft, and personal details never appear.
    assert "07700 900123" not in read.text and "jane.doe" not in read.text


def test_threshold_option_changes_what_is_hidden(export: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.docx"
    assert (
        _run(
            "report", str(export), "--format", "docx", "--out", str(out), "--threshold", "60", "-q"
        ).exit_code
        == 0
    )
    read = read_docx(out.read_bytes())
    for table in read.tables:
        for row in (r for r in table[1:-1] if r[0] != "Not answered"):
            for cell in row[1:]:
                if re.fullmatch(r"[\d,]+", cell) and table[0][0] == "Answer":
                    assert int(cell.replace(",", "")) >= 60 or cell == "0"


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('summry = "x"\n', "unknown key 'summry'"),
        ("recommendations = 3\n", "recommendations must be a list of texts"),
        ('[contact]\nemail = "not an address"\n', "email address in the correct format"),
        ('[contact]\nphone = "call me"\n', "phone number"),
        ('purpose = """\n', "not valid TOML"),
        ("purpose = 'x'\n[contact]\nfax = '1'\n", "unknown key 'fax' in contact"),
        ("meeting_date = 2015-02-30\n", "not valid TOML"),
        ('meeting_date = "20 January"\n', "The meeting date must be a real date"),
        ("meeting_date = 2015-01-20T11:00:00\n", "a date without a time"),
        ('report_for = ["discussion", "approval"]\n', "can be for information, discussion, decision"),
        ('board = """Improvement\nBoard"""\n', "The board must be one line"),
    ],
)
def test_bad_words_file_exits_non_zero_with_a_clear_message(
    export: Path, tmp_path: Path, toml: str, message: str
) -> None:
    words = tmp_path / "words.toml"
    words.write_text(toml, encoding="utf-8")
    out = tmp_path / "r.docx"
    result = CliRunner().invoke(
        main, ["report", str(export), "--format", "docx", "--out", str(out), "--words", str(words)]
    )
    assert result.exit_code == 1
    assert message in result.output and str(words) in result.output
    assert not out.exists()


def test_missing_words_file_and_docx_without_out(export: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        [
            "report",
            str(export),
            "--format",
            "docx",
            "--out",
            str(tmp_path / "r.docx"),
            "--words",
            str(tmp_path / "nope.toml"),
        ],
    )
    assert result.exit_code == 1 and "file not found" in result.output
    assert CliRunner().invoke(main, ["report", str(export), "--format", "docx"]).exit_code == 2


def test_help_lists_report_without_loading_it() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from analysis.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit: pass\n"
        "assert 'analysis.board_report.cli' not in sys.modules and 'docx' not in sys.modules"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "report" in done.stdout


@pytest.mark.e2e
def test_html_report_is_accessible_and_complete(export: Path, words_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = _run(
        "report", str(export), "--format", "html", "--out", str(out), "--words", str(words_file), "-q"
    )
    assert result.exit_code == 0, result.output
    with chromium() as browser:
        page = browser.new_page()
        page.goto(out.as_uri())
        assert page.locator("html").get_attribute("lang") == "en-GB"
        questions = page.locator("h4").all_inner_texts()
        assert questions == [f"Question {q.number}. {q.text}" for q in QUESTIONNAIRE.questions]
        images = page.locator("img")
        assert images.count() == sum(q.is_single_choice for q in QUESTIONNAIRE.questions)
        assert all(images.nth(i).get_attribute("alt") for i in range(images.count()))
        assert page.locator("table caption").count() == page.locator("table").count()
        assert "found by software for this report" in page.inner_text("main")
        figures = page.locator("figure figcaption").all_inner_texts()
        assert len(figures) == images.count() and all(f.startswith("Figure ") for f in figures)
        assert_accessible(page)


def test_example_words_file_in_the_docs_is_valid() -> None:
    from analysis.board_report.words import load_words

    words = load_words(Path(__file__).resolve().parents[2] / "docs" / "board-report-words.example.toml")
    assert len(words.recommendations) == 2 and words.contact["name"] == "Dennis Skinner"
    assert words.meeting_date.isoformat() == "2015-03-17" and words.item_label == "Item 4"
    assert words.report_for_sentence == "For information and discussion."
    assert words.summary.count("\n\n") == 1
