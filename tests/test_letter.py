"""The 督导反馈 letter reads as an official document, and reads the same wherever it is opened.

``--format letter`` (Markdown) is rendered with both CommonMark (markdown-it-py, with its pipe tables)
and Python-Markdown (with its ``tables`` extension): for every bundled filing, in both languages, the
two give the same headings, paragraphs, list items and table cells, and these are exactly the blocks
the letter was composed of — nothing lost to an escape, nothing run together. ``--format docx`` is
read back with python-docx: the same blocks in the same order, the tables' cells, the fonts and page
of GB/T 9704, and the page number as a PAGE field in the footer.
"""

from __future__ import annotations

import dataclasses
import io
import re
from html.parser import HTMLParser
from pathlib import Path

import markdown as python_markdown
import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import Table
from docx.text.paragraph import Paragraph
from markdown_it import MarkdownIt

from junheng.check.run import Options, check_one_safely
from junheng.cli.main import check as check_command
from junheng.policy.model import Text
from junheng.report import formats
from junheng.report.formats import letter, letter_docx
from junheng.report.formats._letter import SPEECH, Block, compose
from junheng.report.result import Failure, Result
from shared import FIX, FIXTURE_FILINGS, INVALID, ROOT, run

LANGS = ("zh", "en")
NAMES = [p.name for p in FIXTURE_FILINGS]


@pytest.fixture(scope="module")
def results(policy) -> dict[str, Result]:
    out = {}
    for name in NAMES:
        outcome = check_one_safely(str(FIX / name), policy, Options(), name=f"fixtures/filings/{name}")
        assert isinstance(outcome, Result), outcome
        out[name] = outcome
    return out


@pytest.fixture(scope="module")
def failure(policy) -> Failure:
    outcome = check_one_safely(str(INVALID / "quoted-count.yaml"), policy, Options(), name="fixtures/invalid/quoted-count.yaml")
    assert isinstance(outcome, Failure)
    return outcome


# ---------------------------------------------------------------- Markdown: the same structure in both renderers


class _Structure(HTMLParser):
    """The blocks a reader sees in rendered HTML: (tag, text) for each heading, paragraph, list item and table cell."""

    BLOCKS = ("h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "th", "td")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[tuple[str, str]] = []
        self._open: list[tuple[str, list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.BLOCKS:
            self._open.append((tag, []))
        elif tag in ("hr", "ul", "ol"):
            self.out.append((tag, ""))

    def handle_endtag(self, tag: str) -> None:
        if tag in self.BLOCKS and self._open and self._open[-1][0] == tag:
            _, parts = self._open.pop()
            self.out.append((tag, " ".join("".join(parts).split())))

    def handle_data(self, data: str) -> None:
        if self._open:
            self._open[-1][1].append(data)


def structure(html_text: str) -> list[tuple[str, str]]:
    parser = _Structure()
    parser.feed(html_text)
    parser.close()
    return parser.out


def commonmark(text: str) -> list[tuple[str, str]]:
    return structure(MarkdownIt("commonmark").enable("table").render(text))


def python_markdown_structure(text: str) -> list[tuple[str, str]]:
    return structure(python_markdown.markdown(text, extensions=["tables"]))


_TAGS = {"title": "h1", "h1": "h2", "h2": "h3", "error": "li"}


def expected(blocks: list[Block]) -> list[tuple[str, str]]:
    """What a renderer must show of a letter's blocks: each block's words, in its place."""
    out: list[tuple[str, str]] = []
    for block in blocks:
        if block.kind == "table":
            out += [("th" if r == 0 else "td", " ".join(cell.split())) for r, row in enumerate(block.rows) for cell in row]
        elif block.kind == "error":
            if not out or out[-1] != ("ul", ""):
                out.append(("ul", ""))
            out.append(("li", " ".join(block.text.split())))
        else:
            out.append((_TAGS.get(block.kind, "p"), " ".join(block.text.split())))
    return out


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", NAMES)
def test_commonmark_and_python_markdown_show_every_letter_alike_and_whole(results, name, lang):
    result = results[name]
    text = letter.render([result], lang=lang)
    cm, pm = commonmark(text), python_markdown_structure(text)
    assert cm == pm
    assert cm == expected(compose(result, lang))


def test_markup_in_a_filings_texts_stays_text_in_both_renderers(results):
    hostile = "<b>粗</b> *星* _下_ [链](x) `码` | 竖 # 井 &amp; \\ 1. 项 - 杠 > 引"
    result = results["yubei-2012.yaml"]
    findings = [dataclasses.replace(f, message=Text(zh=f"{hostile} {f.message.zh}", en=f"{hostile} {f.message.en}"),
                                    rectification=Text(zh=hostile, en=hostile)) for f in result.findings]
    result = dataclasses.replace(result, findings=tuple(findings), district=dict(result.district, name="<i>渝北区</i>"))
    for lang in LANGS:
        text = letter.render([result], lang=lang)
        assert commonmark(text) == python_markdown_structure(text) == expected(compose(result, lang))
        assert "<b>" not in MarkdownIt("commonmark").enable("table").render(text)


@pytest.mark.parametrize("start", ["1. 项", "- 项", "+ 项", "12) 项", "> 引", "# 井"])
def test_a_paragraph_that_looks_like_a_list_or_a_quote_stays_a_paragraph(start):
    text = letter.markdown([Block("para", f"{start} 之后")])
    assert commonmark(text) == python_markdown_structure(text) == [("p", f"{start} 之后")]


def test_the_letter_has_no_list_that_the_two_renderers_could_indent_differently(results):
    for result in results.values():
        for lang in LANGS:
            assert not re.search(r"^\s*(?:[-+*]|\d+[.)])\s", letter.render([result], lang=lang), re.M)


# ---------------------------------------------------------------- what the letter says


def _paragraphs(result: Result, lang: str = "zh") -> list[str]:
    return [text for tag, text in commonmark(letter.render([result], lang=lang)) if tag == "p"]


def test_the_letter_has_a_number_a_title_the_government_it_is_sent_to_and_a_signature(results):
    text = letter.render([results["yubei-2012.yaml"]])
    blocks = [b.strip() for b in text.split("\n\n")]
    assert blocks[:3] == ["×督〔20××〕×号", "# 关于渝北区义务教育均衡发展督导评估的反馈意见", "渝北区人民政府："]
    assert blocks[-4:] == ["××市人民政府教育督导室", "20××年×月×日", "抄送：××市教育委员会，渝北区教育行政部门。",
                           "××市人民政府教育督导室 20××年×月×日印发"]
    headings = [t for tag, t in commonmark(text) if tag in ("h2", "h3")]
    assert headings == ["一、评估结论", "二、存在的主要问题", "（一）经费保障", "（二）办学条件达标", "三、整改要求", "四、整改时限"]


def test_the_verdict_is_stated_in_words(results):
    deferred = " ".join(_paragraphs(results["yubei-2012.yaml"]))
    assert "经核查，你区未达到“义务教育基本均衡（合格区县）”标准，督导评估结论为“推迟认定”。" in deferred
    assert "共发现问题24项，其中否决项3项，须整改20项，建议1项。" in deferred
    clean = " ".join(_paragraphs(results["yongchuan-2012.yaml"]))
    assert "督导评估结论为“合格”。未发现需要整改的问题。" in clean
    assert "整改要求" not in letter.render([results["yongchuan-2012.yaml"]])
    english = " ".join(_paragraphs(results["yubei-2012.yaml"], "en"))
    assert ("The district does not meet the standard “Basic balance (qualified district)”: "
            "the verdict of the inspection is “deferred”.") in english


def test_a_county_is_addressed_as_a_county(results):
    text = letter.render([results["rongchang-2012-quality.yaml"]])
    assert "荣昌县人民政府：" in text and "你县" in text and "你区" not in text


def test_the_deadline_is_a_placeholder_the_office_fills_in(results):
    text = letter.render([results["yubei-2012.yaml"]])
    assert "请你区自收到本反馈意见之日起×个月内完成整改，并于20××年×月×日前将整改情况书面报送我室。" in text


@pytest.mark.parametrize("lang", LANGS)
def test_the_speech_is_cited_by_its_full_title_once_then_by_its_short_one(results, lang):
    full, short = (SPEECH["zh"], "《讲话》") if lang == "zh" else (SPEECH["en"], "the Speech")
    cited = 0
    for result in results.values():
        text = letter.render([result], lang=lang)
        if short in text.replace(full, ""):
            cited += 1
            assert text.count(full) == 1 and text.index(full) < text.replace(full, "#" * len(full)).index(short)
        else:
            assert full not in text
        assert not re.search(r"(?<!《)讲话\s*[一二三（(]|\bspeech [IV]", text), "the speech cited by the rules' shorthand"
    assert cited >= 5


def test_a_rules_folder_may_give_the_speechs_full_title_in_its_vocabulary(results):
    result = results["yubei-2012.yaml"]
    citations = {"讲话": {"zh": "《某市督导工作会议讲话》", "en": "X"}}
    titled = dataclasses.replace(result, vocabulary={**result.vocabulary, "citations": citations})
    text = letter.render([titled])
    assert "根据《某市督导工作会议讲话》（以下简称《讲话》）精神" in text and SPEECH["zh"] not in text


@pytest.mark.parametrize("lang", LANGS)
def test_the_letter_says_nothing_only_a_program_or_policy_staff_would(results, lang):
    forbidden = {
        "a file": re.compile(r"fixtures/|\.ya?ml\b|\.json\b"),
        "code font": re.compile(r"`"),
        "a JSON pointer": re.compile(r"(?<![\w/])/(?:schools|finance|staffing|survey|equity|district)\b"),
        "a rule id": re.compile(r"\b[A-Z]{2,}(?:-[A-Z]+)*-\d+\b"),
        "a contract key": re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b"),
        "a formula operator": re.compile(r">=|<=|!=|==|\bceil\("),
        "a note for policy staff": re.compile(r"默认值|\bdefaults?\b|本地标准|local figure"),
    }
    for name, result in results.items():
        shown = "\n".join(t for _, t in commonmark(letter.render([result], lang=lang)))
        found = [f"{kind}: {m.group(0)!r}" for kind, pattern in forbidden.items() for m in pattern.finditer(shown)]
        assert not found, f"{name} ({lang}): {found[:10]}"


def test_a_rule_failing_at_many_schools_is_one_table_of_school_figure_and_standard(results):
    cells = commonmark(letter.render([results["yubei-2012.yaml"]]))
    headers = [t for tag, t in cells if tag == "th"]
    assert headers[:3] == ["学校", "生均占地面积", "标准"]
    assert headers.count("整改要求") == 2
    at = cells.index(("th", "生均占地面积"))
    rows = [t for tag, t in cells[at + 2:at + 2 + 30] if tag == "td"]
    schools, standards = rows[0::3], rows[2::3]
    assert len(schools) == 10 and all(re.fullmatch(r"渝北区\S+（\d{10}）", s) for s in schools)
    assert set(standards) == {"不低于 18 ㎡", "不低于 23 ㎡"}
    items = [t for t in _paragraphs(results["yubei-2012.yaml"]) if t.startswith(("5.", "6."))]
    assert items[0].startswith("5.【须整改】生均占地面积达标（城乡同一标准）。10所学校未达到标准，见下表。")


def test_a_schools_name_is_said_once_where_its_problem_is_said(results):
    result = results["yubei-2012.yaml"]
    names = {label for _, kind, _, label in result.indicators.subjects if kind == "school"}
    for lang in LANGS:
        for tag, text in commonmark(letter.render([result], lang=lang)):
            for name in names:
                assert text.count(name) <= 1, f"{name} twice in {tag}: {text}"
    assert "渝北区两路小学最大班额 58 人" in letter.render([result])


def test_missing_figures_are_named_as_the_filing_form_names_them(results):
    text = letter.render([results["nanan-2012-missing.yaml"]])
    assert "生均图书达标（数据缺失）" in text
    assert re.search(r"南岸区涂山镇中心小学\S*图书\S*缺失或为零", text)
    assert "/schools" not in text and "land_transfer" not in text


def test_a_filing_that_could_not_be_checked_is_named_with_its_errors(failure):
    text = letter.render([failure])
    assert "quoted-count.yaml" in text
    shown = commonmark(text)
    assert shown[0] == ("h1", "申报数据未能核查") and [t for tag, t in shown if tag == "li"]


# ---------------------------------------------------------------- the Word document


def _read(data: bytes):
    return Document(io.BytesIO(data))


def _east_asian(style_or_run) -> str | None:
    fonts = style_or_run.element.rPr.rFonts
    return fonts.get(qn("w:eastAsia")) if fonts is not None else None


def _content(doc) -> list[tuple[str, object]]:
    """The body in order: ("p", text) for a paragraph, ("table", rows) for a table."""
    out: list[tuple[str, object]] = []
    for item in doc.iter_inner_content():
        if isinstance(item, Paragraph):
            if not item.text and item._p.pPr is not None and item._p.pPr.sectPr is not None:
                continue  # the end of a section: where one letter ends and the next begins
            out.append(("p", " ".join(item.text.split())))
        elif isinstance(item, Table):
            out.append(("table", tuple(tuple(" ".join(c.text.split()) for c in row.cells) for row in item.rows)))
    return out


def _blocks_as_content(blocks: list[Block]) -> list[tuple[str, object]]:
    return [("table", tuple(tuple(" ".join(c.split()) for c in row) for row in b.rows)) if b.kind == "table"
            else ("p", " ".join(b.text.split())) for b in blocks]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", ["yubei-2012.yaml", "nanan-2012-missing.yaml", "rongchang-2012-quality.yaml", "yongchuan-2012.yaml"])
def test_the_word_letter_has_the_same_blocks_in_the_same_order(results, name, lang):
    doc = _read(letter_docx.render([results[name]], lang=lang))
    assert _content(doc) == _blocks_as_content(compose(results[name], lang))


def test_several_letters_are_sections_each_numbering_its_pages_from_one(results, failure):
    outcomes = [results["yubei-2012.yaml"], failure, results["beibei-2012.yaml"]]
    doc = _read(letter_docx.render(outcomes))
    assert len(doc.sections) == 3
    assert _content(doc) == [c for o in outcomes for c in _blocks_as_content(compose(o, "zh"))]
    for section in doc.sections:
        assert section._sectPr.find(qn("w:pgNumType")).get(qn("w:start")) == "1"


def test_the_word_letter_is_laid_out_as_gbt_9704(results):
    doc = _read(letter_docx.render([results["yubei-2012.yaml"]]))
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert [round(m.mm) for m in (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)] == [37, 35, 28, 26]
    styles = doc.styles
    assert (_east_asian(styles["Normal"]), styles["Normal"].font.size) == ("仿宋", Pt(16))
    assert (_east_asian(styles["公文标题"]), styles["公文标题"].font.size) == ("宋体", Pt(22))
    assert _east_asian(styles["Heading 1"]) == "黑体" and _east_asian(styles["Heading 2"]) == "楷体"
    assert styles["Normal"].paragraph_format.first_line_indent == Pt(32)  # 空二字
    paragraphs = {p.text: p for p in doc.paragraphs}
    title = paragraphs["关于渝北区义务教育均衡发展督导评估的反馈意见"]
    assert title.style.name == "公文标题"
    assert paragraphs["一、评估结论"].style.name == "Heading 1"
    assert paragraphs["（一）经费保障"].style.name == "Heading 2"
    assert paragraphs["渝北区人民政府："].style.name == "主送机关"
    assert "FF0000" in paragraphs["×督〔20××〕×号"]._p.xml  # the red rule of the 版头


def test_the_word_letter_numbers_its_pages_with_a_page_field_in_the_footer(results):
    doc = _read(letter_docx.render([results["yubei-2012.yaml"]]))
    assert doc.settings.odd_and_even_pages_header_footer
    for footer in (doc.sections[0].footer, doc.sections[0].even_page_footer):
        xml = footer._element.xml
        assert re.search(r"<w:instrText[^>]*> PAGE </w:instrText>", xml)
        assert footer.paragraphs[0].text.startswith("— ") and footer.paragraphs[0].text.endswith(" —")
        assert _east_asian(footer.paragraphs[0].style) == "宋体" and footer.paragraphs[0].style.font.size == Pt(14)


def test_the_word_tables_repeat_their_header_row_on_every_page(results):
    doc = _read(letter_docx.render([results["yubei-2012.yaml"]]))
    assert len(doc.tables) == 4
    for table in doc.tables:
        assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
        assert all(run.bold for cell in table.rows[0].cells for run in cell.paragraphs[0].runs)
        assert abs(sum(c.width for c in table.rows[0].cells) - Mm(156)) < Mm(1)  # across the 版心


def test_a_word_letter_holds_whatever_a_filing_says(results):
    odd = "<b>&amp;</b>\x0b\x1b\ufffe\t\n|*"  # XML cannot hold some of these; a filing can carry them
    result = results["yubei-2012.yaml"]
    findings = [dataclasses.replace(f, message=Text(zh=odd + f.message.zh, en=odd), rectification=Text(zh=odd, en=odd))
                for f in result.findings]
    # a JSON filing's "\ud800" reaches a report as a lone surrogate, which no XML (nor UTF-8) holds
    result = dataclasses.replace(result, findings=tuple(findings), district=dict(result.district, name=odd + "\ud800渝北区"))
    doc = _read(letter_docx.render([result]))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "<b>&amp;</b>" in text and "渝北区人民政府：" in text


def test_the_word_letter_is_the_same_bytes_for_the_same_outcomes(results):
    outcomes = [results["yubei-2012.yaml"], results["nanan-2012-missing.yaml"]]
    assert letter_docx.render(outcomes) == letter_docx.render(list(outcomes))


# ---------------------------------------------------------------- the command line

_DOCX_ON_THE_COMMAND_LINE = any(p.name == "fmt" and "docx" in getattr(p.type, "choices", ()) for p in check_command.params)
needs_cli = pytest.mark.skipif(not _DOCX_ON_THE_COMMAND_LINE, reason="--format docx needs the command line to write bytes (cli/main.py)")


def test_the_word_letter_is_registered_as_a_binary_format():
    assert "docx" in formats.BINARY and "docx" not in formats.FORMATS
    assert formats.NEEDS["docx"] == formats.NEEDS["letter"]


@needs_cli
def test_a_word_letter_is_written_to_the_output_file(tmp_path: Path):
    target = tmp_path / "反馈意见.docx"
    code, out, err = run("check", "fixtures/filings/yubei-2012.yaml", "--format", "docx", "--output", target, cwd=ROOT)
    assert code == 1, out + err  # the verdict decides the status, as with every format
    assert out == ""
    doc = Document(str(target))
    assert "关于渝北区义务教育均衡发展督导评估的反馈意见" in [p.text for p in doc.paragraphs]


@needs_cli
@pytest.mark.parametrize("lang, words", [("zh", "--output"), ("en", "--output")])
def test_a_word_letter_is_never_written_to_a_terminal(lang, words):
    code, out, err = run("check", "fixtures/filings/yubei-2012.yaml", "--format", "docx", "--lang", lang, cwd=ROOT)
    assert code == 2, out + err
    assert out == "" and words in err
    if lang == "zh":
        assert re.search(r"[\u4e00-\u9fff]", err)
