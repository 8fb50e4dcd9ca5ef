"""``--format docx``: the 督导反馈 letter as a Word document, laid out close to GB/T 9704-2012 (党政机关公文格式).

Offices edit, print and stamp their letters in Word or WPS, so the letter that ``--format letter``
writes in Markdown is also written as a .docx: the same blocks (``_letter.py``), in the same order,
with the same words. The layout follows the national standard for official documents as far as a
generated file can: A4 with its margins (天头 37 mm, 订口 28 mm, 版心 156 × 225 mm), the title in
宋体 二号 bold (the standard's 小标宋, which few computers have), the body in 仿宋 三号 on a
28.95 pt line (22 lines a page), first-level headings in 黑体 and second-level ones in 楷体, the
document number over a red rule, the signature centred above the date four characters from the
right, the copy-to lines between rules, and the page number as ``— 1 —`` in 宋体 四号 (a PAGE field:
right on odd pages, left on even ones). Each filing's letter is a section of its own, numbered
from 1. The headings are Word's Heading 1 and 2, restyled, so the navigation pane lists them.

The bytes are the same for the same outcomes: python-docx stamps each part of the package with the
time it is written, so the package is written again with a fixed time.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Mapping, Sequence

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.section import Section
from docx.shared import Emu, Length, Mm, Pt, RGBColor
from docx.styles.style import ParagraphStyle
from docx.table import Table
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from junheng.report.formats._letter import Block, FollowUp, compose
from junheng.report.result import Outcome

__all__ = ["render"]

BODY_SIZE = Pt(16)  # 三号
TITLE_SIZE = Pt(22)  # 二号
PAGE_NUMBER_SIZE = Pt(14)  # 四号
TABLE_SIZE = Pt(12)  # 小四: a table of schools fits the 156 mm line
LINE = Pt(28.95)  # 225 mm / 22 lines
CHAR = BODY_SIZE  # one character of the body: the unit of GB/T 9704's indents ("空二字")


def _chars(n: float) -> Length:
    """``n`` characters of the body (GB/T 9704 measures indents in characters: 空二字)."""
    return Emu(round(CHAR * n))


def _lines(n: float) -> Length:
    return Emu(round(LINE * n))


# Word's style name → (East Asian font, size, bold, alignment, first-line indent in characters)
_STYLES: dict[str, tuple[str, Pt, bool, WD_ALIGN_PARAGRAPH | None, int]] = {
    "Normal": ("仿宋", BODY_SIZE, False, WD_ALIGN_PARAGRAPH.JUSTIFY, 2),
    "公文标题": ("宋体", TITLE_SIZE, True, WD_ALIGN_PARAGRAPH.CENTER, 0),
    "发文字号": ("仿宋", BODY_SIZE, False, WD_ALIGN_PARAGRAPH.CENTER, 0),
    "主送机关": ("仿宋", BODY_SIZE, False, WD_ALIGN_PARAGRAPH.LEFT, 0),
    "Heading 1": ("黑体", BODY_SIZE, False, WD_ALIGN_PARAGRAPH.LEFT, 2),
    "Heading 2": ("楷体", BODY_SIZE, False, WD_ALIGN_PARAGRAPH.LEFT, 2),
    "表格": ("仿宋", TABLE_SIZE, False, WD_ALIGN_PARAGRAPH.LEFT, 0),
    "落款": ("仿宋", BODY_SIZE, False, WD_ALIGN_PARAGRAPH.RIGHT, 0),
    "版记": ("仿宋", PAGE_NUMBER_SIZE, False, WD_ALIGN_PARAGRAPH.LEFT, 0),
    "Footer": ("宋体", PAGE_NUMBER_SIZE, False, None, 0),
}
_STYLE_OF = {"mark": "发文字号", "title": "公文标题", "to": "主送机关", "para": "Normal", "item": "Normal", "h1": "Heading 1",
             "h2": "Heading 2", "signature": "落款", "date": "落款", "cc": "版记", "issued": "版记", "error": "Normal"}
_LATIN = "Times New Roman"
# The 版记's lines run across the whole 版心 and its text stands one character in ("左右各空一字"): an
# indent would shorten the lines, so the text starts with an ideographic space.
_EM = "\u3000"


# What XML 1.0 cannot hold (a control character, U+FFFE, a lone surrogate a JSON filing can carry): shown as �,
# as the formats people read show a control character, rather than failing at the last step.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _fonts(element: ParagraphStyle | Run, east_asian: str, size: Pt | None = None, bold: bool | None = None) -> None:
    """Set the fonts of a style or a run: Chinese text in ``east_asian``, Latin text and digits in Times New Roman.

    Word picks the East Asian font from ``w:eastAsia``, which python-docx's ``font.name`` leaves alone;
    a theme font (``w:asciiTheme`` …, as Word's heading styles have) would win over both, so it goes.
    """
    font = element.font
    font.name = _LATIN
    if size is not None:
        font.size = size
    if bold is not None:
        font.bold = bold
    font.color.rgb = RGBColor(0, 0, 0)
    rpr = element.element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), east_asian)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:eastAsia"), "zh-CN")


def _styles(doc: DocumentObject) -> None:
    """The letter's paragraph styles, so that an office restyles the whole letter in one place."""
    for name, (east_asian, size, bold, align, indent) in _STYLES.items():
        try:
            style = doc.styles[name]
        except KeyError:
            style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
            style.base_style = doc.styles["Normal"]
        if not isinstance(style, ParagraphStyle):
            continue
        _fonts(style, east_asian, size, bold)
        fmt = style.paragraph_format
        fmt.space_before = fmt.space_after = Pt(0)
        if name in ("表格", "Footer"):
            fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
        else:
            fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
            fmt.line_spacing = LINE if name != "公文标题" else Pt(35)
        if align is not None:
            fmt.alignment = align
        fmt.first_line_indent = _chars(indent)  # 0 too: a style based on Normal would inherit its two characters
        fmt.widow_control = True
        fmt.keep_with_next = name.startswith("Heading")


def _page(section: Section) -> None:
    """A4 with GB/T 9704's margins: 版心 156 × 225 mm, 37 mm from the top edge and 28 mm from the left."""
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.header_distance, section.footer_distance = Mm(15), Mm(21)  # the page number ~7 mm below the 版心
    number = section._sectPr.find(qn("w:pgNumType"))
    if number is None:
        number = OxmlElement("w:pgNumType")
        section._sectPr.append(number)
    number.set(qn("w:start"), "1")  # each letter numbers its own pages


def _page_number(paragraph: Paragraph) -> None:
    """``— PAGE —``: the page number as a field that Word and WPS fill in."""
    paragraph.add_run("— ")
    begin, instruction, separate, end = (OxmlElement("w:fldChar"), OxmlElement("w:instrText"), OxmlElement("w:fldChar"),
                                         OxmlElement("w:fldChar"))
    begin.set(qn("w:fldCharType"), "begin")
    instruction.set(qn("xml:space"), "preserve")
    instruction.text = " PAGE "
    separate.set(qn("w:fldCharType"), "separate")
    end.set(qn("w:fldCharType"), "end")
    for part in (begin, instruction, separate):
        paragraph.add_run()._r.append(part)
    paragraph.add_run("1")  # shown until the field is updated
    paragraph.add_run()._r.append(end)
    paragraph.add_run(" —")


def _footers(section: Section) -> None:
    """Odd pages: the number on the right, one character in; even pages: on the left (GB/T 9704 7.5)."""
    for footer, align in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT), (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)):
        footer.is_linked_to_previous = False
        paragraph = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
        paragraph.style = "Footer"
        paragraph.alignment = align
        fmt = paragraph.paragraph_format
        fmt.right_indent, fmt.left_indent = (_chars(1), None) if align == WD_ALIGN_PARAGRAPH.RIGHT else (None, _chars(1))
        _page_number(paragraph)


def _border(paragraph: Paragraph, side: str, size: int, color: str = "000000") -> None:
    """A rule above or below a paragraph (``size`` in eighths of a point): the 版头's red line, the 版记's lines."""
    ppr = paragraph._p.get_or_add_pPr()
    borders = ppr.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        ppr.append(borders)
    line = OxmlElement(f"w:{side}")
    for key, value in (("w:val", "single"), ("w:sz", str(size)), ("w:space", "4"), ("w:color", color)):
        line.set(qn(key), value)
    borders.append(line)


def _width(text: str) -> float:
    """A text's width in characters of the body: a Latin letter or digit is half a character."""
    return sum(0.5 if ord(c) < 0x2E80 else 1 for c in text)


def _table(doc: DocumentObject, rows: tuple[tuple[str, ...], ...]) -> Table:
    """A table across the 版心, the schools' column the widest, its header row repeated on every page."""
    table = doc.add_table(rows=len(rows), cols=len(rows[0]))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    first = 0.42 if len(rows[0]) > 2 else 0.45
    widths = [first] + [(1 - first) / (len(rows[0]) - 1)] * (len(rows[0]) - 1)
    for r, row in enumerate(rows):
        cells = table.rows[r].cells
        for c, text in enumerate(row):
            cells[c].width = Emu(round(Mm(156) * widths[c]))
            paragraph = cells[c].paragraphs[0]
            paragraph.style = "表格"
            run = paragraph.add_run(_xml(text))
            if r == 0:
                run.bold = True
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    header = table.rows[0]._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")  # the header row again on every page the table runs onto
    header.append(repeat)
    return table


def _paragraph(doc: DocumentObject, block: Block, date: str) -> Paragraph:
    """One block as a paragraph in its style, with what the standard asks of its place on the page."""
    paragraph = doc.add_paragraph(style=_STYLE_OF.get(block.kind, "Normal"))
    fmt = paragraph.paragraph_format
    if block.kind == "issued":  # 印发机关 on the left, 印发日期 on the right, each one character in
        issuer, _, when = block.text.partition("\t")
        fmt.tab_stops.add_tab_stop(Emu(Mm(156) - _chars(1)), WD_TAB_ALIGNMENT.RIGHT)
        paragraph.add_run(_xml(f"{_EM}{issuer}\t{when}"))
        _border(paragraph, "bottom", 8)
        return paragraph
    paragraph.add_run(_xml(_EM + block.text if block.kind == "cc" else block.text))
    if block.kind == "mark":
        fmt.space_after = _lines(1)
        _border(paragraph, "bottom", 12, "FF0000")
    elif block.kind == "title":
        fmt.space_before, fmt.space_after = _lines(1), _lines(1)
    elif block.kind == "date":
        fmt.right_indent = _chars(4)  # 成文日期右空四字
    elif block.kind == "signature":  # 以成文日期为准居中编排发文机关署名
        fmt.space_before = _lines(3)  # room for the seal
        fmt.right_indent = _chars(max(0.0, 4 + (_width(date) - _width(block.text)) / 2))
    elif block.kind == "cc":
        fmt.space_before = _lines(2)
        _border(paragraph, "top", 8)
        _border(paragraph, "bottom", 4)
    elif block.kind == "error":
        fmt.first_line_indent = None
        fmt.left_indent = _chars(2)
    return paragraph


def _letter(doc: DocumentObject, blocks: Sequence[Block]) -> None:
    date = next((b.text for b in blocks if b.kind == "date"), "")
    for n, block in enumerate(blocks):
        if block.kind == "table":
            _table(doc, block.rows)
            continue
        paragraph = _paragraph(doc, block, date)
        if n + 1 < len(blocks) and blocks[n + 1].kind in ("signature", "date"):
            paragraph.paragraph_format.keep_with_next = True  # the seal never stands on a page without text (GB/T 9704 7.3.5)


def _repacked(data: bytes) -> bytes:
    """The package with every part stamped 1980-01-01 (python-docx stamps the time of writing): the same bytes every time."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(zipfile.ZipInfo(info.filename, (1980, 1, 1, 0, 0, 0)), source.read(info.filename), zipfile.ZIP_DEFLATED)
    return out.getvalue()


def document(letters: Sequence[Sequence[Block]]) -> DocumentObject:
    """The letters as one Word document, each in a section of its own."""
    doc = Document()
    _styles(doc)
    doc.settings.odd_and_even_pages_header_footer = True
    titles = [b.text for blocks in letters for b in blocks if b.kind == "title"]
    doc.core_properties.title = _xml(titles[0]) if len(titles) == 1 else ""
    doc.core_properties.author = doc.core_properties.last_modified_by = "junheng"
    doc.core_properties.comments = ""
    for n, blocks in enumerate(letters):
        section = doc.sections[0] if n == 0 else doc.add_section(WD_SECTION.NEW_PAGE)
        _page(section)
        _footers(section)
        _letter(doc, blocks)
    return doc


def render(outcomes: Sequence[Outcome], *, lang: str = "zh", color: bool = False, fail_on: str = "blocking",
           follow_up: Mapping[int, FollowUp] | None = None) -> bytes:
    """The letters of a run as one Word document; ``follow_up`` as ``letter.render``'s."""
    follow = follow_up or {}
    out = io.BytesIO()
    document([compose(o, lang, follow.get(i)) for i, o in enumerate(outcomes)]).save(out)
    return _repacked(out.getvalue())
