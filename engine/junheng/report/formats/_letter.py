"""The 督导反馈 letter as a document: blocks of plain text that the Markdown (``letter``) and Word (``docx``) formats lay out alike.

The frame is an official letter (公文) as a supervision office sends it: the document number and title,
the district's government as addressee (主送), an opening paragraph citing the basis, the verdict in
words, the problems grouped by the rules' areas (经费保障, 办学条件达标 …) — a rule that fails at several
schools as one table of school, figure and standard —, the rectifications (整改要求), the deadline
(整改时限), the signature and date, and the copy-to line (抄送). Placeholders (×) are left for the office.

The texts of each problem come from the rule files (title, message, rectification, basis); the frame is
written here. What only a program says never reaches the letter: no file path, no JSON pointer (a missing
figure is named as the filing form labels it, ``report.labels``), no rule id, no contract key, no formula
operator, and no note meant for policy staff (a basis's "为默认值": the table states the standard applied).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from junheng.report.formats._shared import pick, printable, vocab
from junheng.report.labels import Schools, pointer_label, school_label, schools_of, subject_label
from junheng.report.numbers import fill
from junheng.report.result import Failure, Finding, Outcome, Result, Series

__all__ = ["FOLLOW_UP_STATUSES", "KINDS", "SPEECH", "Block", "FollowUp", "cites_speech", "compose"]

# What each kind of block is (the formats lay them out by kind):
KINDS = {
    "mark": "the document number (发文字号), centred above the title",
    "title": "the letter's title",
    "to": "the addressee (主送机关)",
    "para": "a paragraph of the body",
    "h1": "a first-level heading: 一、",
    "h2": "a second-level heading: （一）",
    "item": "a numbered paragraph: 1.",
    "table": "a table: ``rows``, the header first",
    "signature": "the office that sends the letter (发文机关署名)",
    "date": "the date (成文日期)",
    "cc": "the copy-to line (抄送)",
    "issued": "who issued it and when (印发机关和印发日期), a tab between the two",
    "error": "one error of a filing that could not be checked",
}


@dataclass(frozen=True)
class Block:
    """One block of the letter: plain text (no markup), or a table's rows."""

    kind: str
    text: str = ""
    rows: tuple[tuple[str, ...], ...] = ()


FOLLOW_UP_STATUSES = ("resolved", "partly", "open", "unknown", "new")


@dataclass(frozen=True)
class FollowUp:
    """上年整改情况 (``check --previous-result``): each finding of the earlier year's result with its status in this
    year's check, then this year's new findings (``followup.ledger``, in its order)."""

    year: int  # the earlier result's year
    items: tuple[tuple[str, Finding], ...]  # (status, the earlier finding; this year's for a new one)


# The speech the rules' bases cite as "讲话" ("Speech"): the letter gives its full title once, then the short
# one. A rules folder may give it in its vocabulary (``citations: {讲话: {zh: …, en: …}}``); this is the default.
SPEECH = {"zh": "《推进义务教育均衡发展会议讲话》",
          "en": "the Speech at the Meeting on Advancing the Balanced Development of Compulsory Education"}

_W: dict[str, dict[str, str]] = {
    "zh": {
        "mark": "×督〔20××〕×号",
        "title": "关于{name}义务教育均衡发展督导评估的反馈意见",
        "to": "{name}人民政府：",
        "opening": "根据{basis}义务教育均衡发展督导评估工作安排，我室按照“{standard}”标准，对{you}报送的{year}年"
                   "义务教育均衡发展督导评估申报数据进行了核查。现将有关情况反馈如下。",
        "cited": "{title}（以下简称《讲话》）精神和", "speech": "《讲话》",
        "h_verdict": "评估结论", "h_problems": "存在的主要问题", "h_rect": "整改要求", "h_deadline": "整改时限",
        "qualified": "经核查，{you}达到“{standard}”标准，督导评估结论为“{verdict}”。",
        "deferred": "经核查，{you}未达到“{standard}”标准，督导评估结论为“{verdict}”。",
        "counts": "共发现问题{total}项，其中{parts}。请{you}高度重视，对照以下问题逐项整改。",
        "counts_one": "共发现问题1项（{parts}）。请{you}高度重视，按要求整改。", "part": "{word}{n}项", "parts": "，",
        "clean": "未发现需要整改的问题。请{you}巩固督导评估成果，持续推进义务教育均衡发展。",
        "item": "{n}.【{severity}】{title}。", "basis": "依据：{basis}。", "missing_title": "{title}（{what}）",
        "missing": "{labels}缺失或为零，无法评估", "rect_missing": "请补报{labels}，否则按未达标处理",
        "schools": "{n}所学校未达到标准，见下表。",
        "rect_item": "{n}.{title}：{text}", "rect_schools": "{n}.{title}：下列学校须按要求整改。",
        "school": "学校", "figure": "现状", "standard": "标准", "problem": "存在问题", "rect": "整改要求",
        "rect_default": "对照标准整改到位",
        "deadline": "请{you}自收到本反馈意见之日起×个月内完成整改，并于20××年×月×日前将整改情况书面报送我室。",
        "deadline_deferred": "否决项整改到位后，方可申请重新认定。",
        "office": "××市人民政府教育督导室", "date": "20××年×月×日",
        "cc": "抄送：××市教育委员会，{name}教育行政部门。", "issued": "××市人民政府教育督导室\t20××年×月×日印发",
        "you_default": "你区",
        "h_follow": "上年整改情况",
        "follow": "对照{year}年督导反馈意见，上年指出的{n}项问题中，{parts}。", "follow_none": "{year}年督导评估未发现需要整改的问题。",
        "follow_new": "本年新增问题{n}项，见“存在的主要问题”。",
        "resolved": "已整改", "partly": "部分整改", "open": "未整改", "unknown": "无法判断", "new": "新增问题", "state": "整改情况",
        "follow_problem": "问题", "subject": "对象",
        "failed": "申报数据未能核查", "not_checked": "申报文件 {file} 未能检查（{why}），未形成反馈意见。错误如下：",
        "invalid": "输入有误", "internal": "内部错误",
        "end": "。", "sep": "；", "and": "；",
    },
    "en": {
        "mark": "×督〔20××〕×号",
        "title": "Feedback on the Inspection of the Balanced Development of Compulsory Education in {name}",
        "to": "To the People's Government of {name}:",
        "opening": "In accordance with {basis}the arrangements for the inspection of the balanced development of compulsory "
                   "education, we have checked the figures {you} filed for {year} against the standard “{standard}”. "
                   "Our findings are as follows.",
        "cited": "{title} (the “Speech”) and ", "speech": "the Speech",
        "h_verdict": "Verdict", "h_problems": "Main problems", "h_rect": "Rectification required", "h_deadline": "Deadline",
        "qualified": "{You} meets the standard “{standard}”: the verdict of the inspection is “{verdict}”.",
        "deferred": "{You} does not meet the standard “{standard}”: the verdict of the inspection is “{verdict}”.",
        "counts": "{total} problems were found: {parts}. Please rectify each of them.",
        "counts_one": "One problem was found ({parts}). Please rectify it.", "part": "{n} {word}", "parts": ", ",
        "clean": "No problem requires rectification. Please keep up the balanced development of compulsory education.",
        "item": "{n}. [{severity}] {title}.", "basis": "Basis: {basis}.", "missing_title": "{title} ({what})",
        "missing": "{labels}: missing or zero, so the requirement cannot be judged",
        "rect_missing": "File {labels}; until then the requirement counts as not met",
        "schools": "{n} schools fall short of the standard (table below).", "rect_item": "{n}. {title}: {text}",
        "rect_schools": "{n}. {title}: the schools below must rectify as required.",
        "school": "School", "figure": "Figure", "standard": "Standard", "problem": "Problem", "rect": "Required",
        "rect_default": "Rectify to the standard",
        "deadline": "Please complete the rectification within × months of receiving this letter, and report it to us "
                    "in writing by ×× ×× 20××.",
        "deadline_deferred": "A new verdict may be applied for once the blocking problems are rectified.",
        "office": "Education Supervision Office, People's Government of ×× Municipality", "date": "×× ×× 20××",
        "cc": "Copy to: ×× Municipal Education Commission; the education authority of {name}.",
        "issued": "Issued by the Education Supervision Office, People's Government of ×× Municipality\ton ×× ×× 20××",
        "you_default": "the district",
        "h_follow": "Rectification of last year's problems",
        "follow": "Of the {n} problems our feedback on {year} named: {parts}.",
        "follow_none": "The inspection of {year} found no problem to rectify.",
        "follow_new": "{n} new problems were found this year (see the main problems).",
        "resolved": "resolved", "partly": "partly resolved", "open": "not resolved", "unknown": "cannot tell", "new": "new",
        "state": "Status", "follow_problem": "Problem", "subject": "Concerning",
        "failed": "Filing not checked", "not_checked": "The filing {file} could not be checked ({why}); no feedback was written. Errors:",
        "invalid": "invalid input", "internal": "internal error",
        "end": ".", "sep": "; ", "and": "; ",
    },
}

# What a requirement's operator says, in words: the standard a figure must meet.
_OPS = {"zh": {">=": "不低于", ">": "高于", "<=": "不超过", "<": "低于"},
        "en": {">=": "at least", ">": "more than", "<=": "at most", "<": "less than"}}
# How the letter addresses a district (区), a county (县), a city (市) or a banner (旗).
_YOU = {"zh": {"区": "你区", "县": "你县", "市": "你市", "旗": "你旗"}, "en": {}}

_NUMERALS = "零一二三四五六七八九"
_ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")


def _chinese(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 25 → 二十五 (a letter has fewer than a hundred headings)."""
    tens, ones = divmod(n, 10)
    return (("" if tens == 1 else _NUMERALS[tens]) + "十" if tens else "") + (_NUMERALS[ones] if ones or not tens else "")


def _h1(n: int, text: str, lang: str) -> Block:
    return Block("h1", f"{_chinese(n)}、{text}" if lang == "zh" else f"{_ROMAN[n - 1] if n <= 10 else n}. {text}")


def _h2(n: int, text: str, lang: str) -> Block:
    return Block("h2", f"（{_chinese(n)}）{text}" if lang == "zh" else f"({n}) {text}")


def _sentence(text: str, lang: str) -> str:
    """``text`` ending with a full stop, unless it ends with one already."""
    text = text.rstrip()
    return text if not text or text.endswith(("。", ".", "！", "？", "!", "?")) else text + _W[lang]["end"]


# ---------------------------------------------------------------- the rules' texts, as a letter says them

_RULE_ID = re.compile(r"\b[A-Z]{2,}(?:-[A-Z]+)*-\d+\b ?")
# A compared value as the checker once wrote it into an aggregate's (QLT-08) message, ``QLT-05 … sports_per_student 6.2995 (>= 7.5)``:
# rule ids and keys are for programs; kept as a safety net should a checker text carry them again
_COMPARED = re.compile(r"(?:\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+ )?(-?[\d,.]+%?) \((>=|<=|>|<)\s*([^()]*)\)")


def _readable(text: str, lang: str) -> str:
    """A rule text with what the checker fills in for programs (rule ids, keys, operators) in words."""
    ops = _OPS[lang]

    def compared(m: re.Match[str]) -> str:
        said = f"{ops[m.group(2)]} {m.group(3).strip()}"
        return f"{m.group(1)}（{said}）" if lang == "zh" else f"{m.group(1)} ({said})"

    text = _COMPARED.sub(compared, text)
    return printable(_RULE_ID.sub("", text)).replace("\n", " ")


_ZH_NOTE = re.compile(r"（[^（）]*(?:默认值|本地标准|[A-Z]{2,}-\d+)[^（）]*）")
_EN_NOTE = re.compile(r" ?\([^()]*(?:default|local figure|[A-Z]{2,}-\d+)[^()]*\)")
_SPEECH_REF = {"zh": re.compile(r"^讲话\s*"), "en": re.compile(r"^[Ss]peech\s*")}


def _citations(basis: str) -> list[str]:
    """A basis's citations: split at ``；`` or ``;`` outside brackets (``Speech II(5) (50% is a default; set …)`` is one)."""
    parts, depth, start = [], 0, 0
    for i, c in enumerate(basis):
        depth += (c in "(（") - (c in ")）")
        if c in "；;" and depth <= 0:
            parts.append(basis[start:i].strip())
            start = i + 1
    return [*parts, basis[start:].strip()]


def cites_speech(basis: str, lang: str) -> bool:
    """Whether a rule's basis cites the speech (``讲话 一(一)``, ``Speech I(1)``)."""
    return any(_SPEECH_REF[lang].match(part) for part in _citations(basis))


def _basis(basis: str, lang: str) -> str:
    """A rule's basis as a letter cites it: the speech by its short title, without the notes for policy staff.

    ``讲话 一（困难和挑战）；小学18㎡、初中23㎡为默认值`` → ``《讲话》一（困难和挑战）``. Which figure is a
    default is for whoever adapts the rules; the letter's table states the standard that was applied.
    """
    parts = []
    for part in _citations(basis):
        if ("默认值" in part) if lang == "zh" else ("default" in part and "(" not in part):
            continue  # a note, not a citation
        part = (_ZH_NOTE if lang == "zh" else _EN_NOTE).sub("", part).strip()
        ref = _SPEECH_REF[lang].match(part)
        if ref:
            rest = part[ref.end():]
            part = _W[lang]["speech"] + (rest.replace("(", "（").replace(")", "）") if lang == "zh" else " " + rest)
        if part:
            parts.append(part)
    return printable(("；" if lang == "zh" else "; ").join(parts))


# ---------------------------------------------------------------- one problem: a rule's findings in the filing


@dataclass
class _Item:
    """The findings of one rule (or of DATA-MISSING for one rule) in the letter: a problem and its rectification."""

    findings: list[Finding]
    title: str = ""
    problem: list[Block] = field(default_factory=list)
    rectification: list[Block] = field(default_factory=list)


class _Reader:
    """What the letter reads from one result: school names, each rule's indicators, the words of the vocabulary."""

    def __init__(self, result: Result, lang: str):
        self.result, self.lang, self.W = result, lang, _W[lang]
        ind = result.indicators
        self.subjects = {s[0]: s for s in ind.subjects} if ind is not None else {}
        self.series: dict[str, Series] = {s.rule: s for s in ind.series} if ind is not None else {}
        self.schools: Schools = schools_of(result)

    def school_name(self, finding: Finding) -> str | None:
        """The name a school finding's texts start with; None for the district, a level or a group."""
        entry = self.subjects.get(finding.subject)
        if entry is not None and entry[1] in ("school", "unit", "school_id") and entry[3] != finding.subject:
            return printable(entry[3])
        return None

    def who(self, finding: Finding) -> str:
        """A table's first column: the school's name and id."""
        entry = self.subjects.get(finding.subject)
        if entry is not None and entry[1] in ("school", "unit", "school_id"):
            return printable(school_label(finding.subject.split("#", 1)[0], entry[3], self.lang))
        return printable(subject_label(finding.subject, self.result, self.lang))

    def title(self, finding: Finding) -> str:
        """The rule's title; for missing data, the title of the rule that could not be judged."""
        if finding.for_rule is None:
            return _readable(pick(finding.title, self.lang), self.lang)
        series = self.series.get(finding.for_rule)
        judged = pick(series.title, self.lang) if series is not None else self._unfilled_title(finding)
        what = pick(finding.title, self.lang)
        return _readable(self.W["missing_title"].format(title=judged, what=what) if judged else what, self.lang)

    def _unfilled_title(self, finding: Finding) -> str:
        """The judged rule's title, read back from the DATA-MISSING message the vocabulary's template made."""
        template = self.result.vocabulary.get("data_missing", {}).get("message", {}).get(self.lang, "")
        parts = re.split(r"(\{[a-z_]+(?::[a-z0-9]+)?\})", template)
        pattern = "".join(f"(?P<{p[1:-1].split(':')[0]}>.*?)" if p.startswith("{") else re.escape(p) for p in parts)
        try:
            m = re.fullmatch(pattern, pick(finding.message, self.lang), re.S) if template else None
        except re.error:  # a template naming one placeholder twice
            return ""
        return m.group("for_title") if m and "for_title" in m.groupdict() else ""

    def missing(self, finding: Finding) -> str:
        """The figures a DATA-MISSING finding asks for, as the filing form labels them."""
        return self.W["and"].join(printable(pointer_label(p, self.lang, self.schools)) for p in finding.missing or ())

    def message(self, finding: Finding) -> str:
        if finding.for_rule is not None:
            return self.W["missing"].format(labels=self.missing(finding))
        return self._tight(_readable(pick(finding.message, self.lang), self.lang), finding)

    def rectification(self, finding: Finding) -> str:
        if finding.for_rule is not None:
            template = self.result.vocabulary.get("data_missing", {}).get("rectification", {}).get(self.lang)
            labels = self.missing(finding)
            return fill(template, {"missing": labels}) if template else self.W["rect_missing"].format(labels=labels)
        text = _readable(pick(finding.rectification, self.lang), self.lang)
        return self._tight(text, finding) if text else self.W["rect_default"]

    def _tight(self, text: str, finding: Finding) -> str:
        """``渝北区两路小学 最大班额 58 人`` → ``渝北区两路小学最大班额 58 人``: no space after a name in Chinese."""
        name = self.school_name(finding)
        if self.lang == "zh" and name and text.startswith(name + " "):
            return name + text[len(name) + 1:]
        return text

    def without_name(self, text: str, finding: Finding) -> str:
        """A school's text in its table row: the name is in the first column already."""
        name = self.school_name(finding)
        if name and text.startswith(name):
            text = text[len(name):].lstrip(" ：:,，")
        return text

    def figure(self, finding: Finding) -> tuple[str, str, str] | None:
        """(label, figure, standard) of a finding that compares one figure with a number, as the rule's message says them.

        ``渝北区两路小学 生均占地面积 13.6 ㎡，低于 18 ㎡`` with ``land_per_student ≥ 18`` → (生均占地面积,
        13.6 ㎡, 不低于 18 ㎡). The label, figure and unit are read from the Chinese message (the words of the
        filing form, which English reports show too), the standard from the rule's requirement; None when
        the message does not start with the compared figure.
        """
        if len(finding.threshold) != 1 or finding.for_rule is not None:
            return None
        name, requirement = next(iter(finding.threshold.items()))
        value, series = finding.observed.get(name), self.series.get(finding.rule)
        if series is None or isinstance(value, bool) or not isinstance(value, (int, float)):
            return None
        entry = self.subjects.get(finding.subject)
        variants = series.requirement.get(entry[2] if entry else None) or series.requirement.get(None) or ()
        limit = re.fullmatch(r"(>=|<=|>|<)\s*(-?[\d,]+(?:\.\d+)?%?)", dict(variants).get(name, requirement))
        said = _SAID.match(self.without_name(finding.message.zh, finding))
        if limit is None or said is None or not _shows(said.group("figure"), value, series.formats.get(name)):
            return None
        unit = f" {said.group('unit')}" if said.group("unit") else ""
        return said.group("label"), said.group("figure") + unit, f"{_OPS[self.lang][limit.group(1)]} {limit.group(2)}{unit}"


# ``生均占地面积 13.6 ㎡，…``: a compared figure as a rule's Chinese message states it, its label before it and its unit after
_SAID = re.compile(r"(?P<label>[^\d，,；;：:]+?)\s*(?P<figure>-?[\d,]+(?:\.\d+)?%?)\s*(?P<unit>㎡|m²|[\u4e00-\u9fff]{1,2})?(?=[，,；;]|$)")


def _shows(text: str, value: float, spec: str | None) -> bool:
    """Whether ``text`` (``13.6``, ``3.15%``) is ``value`` as a rule text shows it, rounded to the decimals it has."""
    shown = float(text.rstrip("%").replace(",", ""))
    if spec in ("pct", "pct2", "growth"):
        value = (value - (1 if spec == "growth" else 0)) * 100
    decimals = len(text.rstrip("%").partition(".")[2])
    return abs(shown - value) <= 0.5 * 10 ** -decimals + 1e-9 * max(1.0, abs(value))


def _schoolwide(items: list[Finding], reader: _Reader) -> bool:
    """Whether a rule's findings make a table: several schools."""
    return len(items) > 1 and all(reader.school_name(f) is not None for f in items)


def _item(number: int, findings: list[Finding], reader: _Reader) -> _Item:
    """One numbered problem and its rectification: one sentence for a subject, a table for several schools."""
    W, lang, first = reader.W, reader.lang, findings[0]
    title = reader.title(first)
    severity = printable(vocab(reader.result, "severities", first.severity, lang))
    head = W["item"].format(n=number, severity=severity, title=title)
    basis = _basis(pick(first.basis, lang), lang)
    cite = W["basis"].format(basis=basis) if basis else ""
    item = _Item(findings, title)
    if not _schoolwide(findings, reader):
        said = W["sep"].join(reader.message(f) for f in findings)
        item.problem.append(Block("item", _join(lang, head, _sentence(said, lang), cite)))
        rect = W["sep"].join(reader.rectification(f) for f in findings)
        item.rectification.append(Block("item", _sentence(W["rect_item"].format(n=number, title=title, text=rect), lang)))
        return item
    item.problem.append(Block("item", _join(lang, head, W["schools"].format(n=len(findings)), cite)))
    figures = [reader.figure(f) for f in findings]
    labels = {fig[0] for fig in figures if fig is not None}
    if all(fig is not None for fig in figures) and len(labels) == 1 and "" not in labels:
        rows = [(reader.who(f), fig[1], fig[2]) for f, fig in zip(findings, figures, strict=True) if fig is not None]
        item.problem.append(Block("table", rows=((W["school"], labels.pop(), W["standard"]), *rows)))
    else:
        rows2 = [(reader.who(f), reader.without_name(reader.message(f), f)) for f in findings]
        item.problem.append(Block("table", rows=((W["school"], W["problem"]), *rows2)))
    item.rectification.append(Block("item", W["rect_schools"].format(n=number, title=title)))
    rects = [(reader.who(f), reader.without_name(reader.rectification(f), f)) for f in findings]
    item.rectification.append(Block("table", rows=((W["school"], W["rect"]), *rects)))
    return item


def _join(lang: str, *sentences: str) -> str:
    return ("" if lang == "zh" else " ").join(s for s in sentences if s)


def _items(result: Result, reader: _Reader) -> list[tuple[str, list[_Item]]]:
    """The problems, numbered, grouped by area: the area of the most serious problem first, each rule's findings together."""
    by_rule: dict[tuple[str, str], list[Finding]] = {}
    for f in sorted(result.findings, key=Finding.sort_key):
        by_rule.setdefault((f.rule, f.for_rule or ""), []).append(f)
    areas: dict[str, list[list[Finding]]] = {}
    titles: dict[str, str] = {}
    for findings in by_rule.values():
        first = findings[0]
        areas.setdefault(first.area, []).append(findings)
        titles.setdefault(first.area, pick(first.area_title, reader.lang) if first.area_title else first.area)
    out: list[tuple[str, list[_Item]]] = []
    number = 0
    for area, groups in areas.items():
        items = []
        for findings in groups:
            number += 1
            items.append(_item(number, findings, reader))
        out.append((printable(titles[area]), items))
    return out


# ---------------------------------------------------------------- the letter


def _you(name: str, lang: str) -> str:
    """How the letter addresses the district: 你区, 你县 …"""
    W = _W[lang]
    return _YOU[lang].get(name[-1:], W["you_default"]) if name else W["you_default"]


def _verdict(result: Result, reader: _Reader, you: str, standard: str) -> str:
    W, lang = reader.W, reader.lang
    verdict = printable(vocab(result, "verdicts", result.verdict, lang))
    said = W["deferred" if result.verdict == "deferred" else "qualified"].format(
        you=you, You=you[:1].upper() + you[1:], standard=standard, verdict=verdict)
    if not result.findings:
        return _join(lang, said, W["clean"].format(you=you))
    counts = result.summary
    parts = W["parts"].join(W["part"].format(word=printable(vocab(result, "severities", s, lang)), n=n)
                            for s, n in counts.items() if n)
    counted = W["counts" if len(result.findings) > 1 else "counts_one"]
    return _join(lang, said, counted.format(total=len(result.findings), parts=parts, you=you))


def _speech(result: Result, lang: str) -> str:
    """The speech's full title: the rules folder's (its vocabulary's ``citations``), else ``SPEECH``."""
    citations = result.vocabulary.get("citations")
    entry = citations.get("讲话") if isinstance(citations, dict) else None
    title = entry.get(lang) if isinstance(entry, dict) else None
    return printable(title) if isinstance(title, str) and title else SPEECH[lang]


def _follow_up(follow_up: FollowUp, reader: _Reader, number: int) -> list[Block]:
    """上年整改情况: how many of last year's problems are rectified, and a table of each with its status."""
    W, lang = reader.W, reader.lang
    earlier = [status for status, _ in follow_up.items if status != "new"]
    new = len(follow_up.items) - len(earlier)
    counts = [(s, earlier.count(s)) for s in FOLLOW_UP_STATUSES[:-1] if earlier.count(s)]
    parts = W["parts"].join(W["part"].format(word=W[s], n=n) for s, n in counts)
    said = W["follow"].format(year=follow_up.year, n=len(earlier), parts=parts) if earlier else W["follow_none"].format(year=follow_up.year)
    if new:
        said = _join(lang, said, W["follow_new"].format(n=new))
    blocks = [_h1(number, W["h_follow"], lang), Block("para", said)]
    if follow_up.items:
        rows = [(reader.title(f), reader.who(f), W[status]) for status, f in follow_up.items]
        blocks.append(Block("table", rows=((W["follow_problem"], W["subject"], W["state"]), *rows)))
    return blocks


def _letter(result: Result, lang: str, follow_up: FollowUp | None = None) -> list[Block]:
    W, reader = _W[lang], _Reader(result, lang)
    name = printable(str(result.district.get("name", "")))
    you = _you(name, lang)
    standard = printable(pick(result.standard_title, lang))
    cited = W["cited"].format(title=_speech(result, lang)) if any(cites_speech(pick(f.basis, lang), lang) for f in result.findings) else ""
    opening = W["opening"].format(basis=cited, you=you, year=result.district.get("year", ""), standard=standard)
    blocks = [Block("mark", W["mark"]), Block("title", W["title"].format(name=name)), Block("to", W["to"].format(name=name)),
              Block("para", opening), _h1(1, W["h_verdict"], lang), Block("para", _verdict(result, reader, you, standard))]
    heading = 1
    if follow_up is not None:  # check --previous-result: last year's problems, before this year's
        heading += 1
        blocks += _follow_up(follow_up, reader, heading)
    areas = _items(result, reader)
    if areas:
        blocks.append(_h1(heading + 1, W["h_problems"], lang))
        for n, (title, items) in enumerate(areas, 1):
            blocks.append(_h2(n, title, lang))
            blocks += [b for item in items for b in item.problem]
        blocks.append(_h1(heading + 2, W["h_rect"], lang))
        blocks += [b for _, items in areas for item in items for b in item.rectification]
        blocks.append(_h1(heading + 3, W["h_deadline"], lang))
        deadline = W["deadline"].format(you=you)
        blocks.append(Block("para", _join(lang, deadline, W["deadline_deferred"]) if result.verdict == "deferred" else deadline))
    blocks += [Block("signature", W["office"]), Block("date", W["date"]), Block("cc", W["cc"].format(name=name)),
               Block("issued", W["issued"])]
    return blocks


def _failure(failure: Failure, lang: str) -> list[Block]:
    W = _W[lang]
    why = W["invalid"] if failure.status == 2 else W["internal"]
    return [Block("title", W["failed"]), Block("para", W["not_checked"].format(file=printable(failure.file), why=why)),
            *(Block("error", printable(e.render(lang))) for e in failure.errors)]


def compose(outcome: Outcome, lang: str = "zh", follow_up: FollowUp | None = None) -> list[Block]:
    """The letter of one checked filing (with 上年整改情况 when ``follow_up`` is given), or the notice that it could not be checked."""
    return _letter(outcome, lang, follow_up) if isinstance(outcome, Result) else _failure(outcome, lang)
