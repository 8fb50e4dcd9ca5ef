"""``--format letter``: the 督导反馈 letter, in Markdown, ready to paste into the inspection feedback.

For each checked filing: the district, the verdict with the counts, and the numbered rectification
list ordered by severity (then rule and subject, the findings' own order), each item with its
problem, the rectification, the amount and unit to make up, the legal basis and a blank deadline
(整改时限：____) for the inspectors to fill in. A filing that could not be checked is listed with
its errors. The texts come from the rule files; the frame of the letter is written here.
"""

from __future__ import annotations

from collections.abc import Sequence

from junheng.policy.model import Text
from junheng.report.formats._shared import vocab
from junheng.report.numbers import fmt_number
from junheng.report.result import SEVERITY_RANK, Failure, Finding, Outcome, Result

__all__ = ["render"]

_L = {
    "zh": {"title": "关于{name}义务教育均衡发展督导评估的反馈意见", "to": "{name}人民政府：",
           "intro": "根据义务教育均衡发展督导评估工作安排，按照“{standard}”的标准，"
                    "对{name}（行政区划代码 {code}）{year} 年的申报数据进行了核查，评估结论为：**{verdict}**。",
           "counts": "共发现问题 {total} 项，其中{parts}。", "clean": "未发现需要整改的问题。",
           "list": "整改清单", "problem": "问题", "rect": "整改要求", "amount": "整改量", "basis": "依据",
           "deadline": "整改时限：____", "closing": "请按上述清单逐项整改，并于 ____ 年 __ 月 __ 日前将整改情况书面报送督导部门。",
           "sign": "督导评估组（盖章）", "date": "____ 年 __ 月 __ 日", "file": "申报文件",
           "not_checked": "申报文件 {file} 未能检查（{why}）：", "invalid": "输入有误", "internal": "内部错误",
           "part": "{word} {n} 项", "sep": "，"},
    "en": {"title": "Feedback on the balanced-development inspection of {name}", "to": "To the People's Government of {name}:",
           "intro": "As part of the inspection of balanced development of compulsory education, "
                    "the filing of {name} (division code {code}) for {year} was checked against the standard \"{standard}\". "
                    "The verdict is: **{verdict}**.",
           "counts": "{total} problems were found: {parts}.", "clean": "No problem requires rectification.",
           "list": "Rectifications", "problem": "Problem", "rect": "Required", "amount": "Amount", "basis": "Basis",
           "deadline": "Deadline: ____", "closing": "Please rectify each item above and report the rectification in writing by ____.",
           "sign": "The inspection team (seal)", "date": "Date: ____", "file": "Filing",
           "not_checked": "The filing {file} could not be checked ({why}):", "invalid": "invalid input", "internal": "internal error",
           "part": "{n} {word}", "sep": ", "},
}


_MARKDOWN = str.maketrans({c: "\\" + c for c in "\\`*_[]<>#|"})


def _md(text: object) -> str:
    """Text as Markdown shows it literally: a school named <b> or *x* stays text, never markup."""
    return str(text).translate(_MARKDOWN)


def _pick(text: Text, lang: str) -> str:
    return _md(text.en if lang == "en" else text.zh)


def _subject(result: Result, finding: Finding, lang: str) -> str:
    """The school's name and id, the level, the survey group, or the district."""
    name = finding.subject
    ind = result.indicators
    entry = next((s for s in ind.subjects if s[0] == name), None) if ind is not None else None
    kind, variant, label = entry[1:] if entry else ("", None, name)
    if kind in ("school", "unit", "school_id") and label and label != name:
        return f"{label}（{name}）" if lang == "zh" else f"{label} ({name})"
    if kind == "level" or (variant is None and name.endswith(("/primary", "/junior"))):
        return vocab(result, "levels", variant or name.rsplit("/", 1)[1], lang)
    if kind == "group" or "/" in name:
        return vocab(result, "groups", variant or name.rsplit("/", 1)[1], lang)
    if name == result.district["code"]:
        return result.district["name"]
    return name


def _letter(result: Result, lang: str) -> list[str]:
    L = _L[lang]
    d = result.district
    verdict = vocab(result, "verdicts", result.verdict, lang)
    name = _md(d["name"])
    intro = L["intro"].format(standard=_pick(result.standard_title, lang), name=name, code=_md(d["code"]), year=d["year"],
                              verdict=_md(verdict))
    lines = [f"# {L['title'].format(name=name)}", "", L["to"].format(name=name), "", intro]
    counts = result.summary
    if result.findings:
        parts = L["sep"].join(L["part"].format(word=vocab(result, "severities", s, lang), n=counts[s]) for s in SEVERITY_RANK if counts[s])
        said = L["counts"].format(total=len(result.findings), parts=parts)
    else:
        said = L["clean"]
    lines[-1] += (" " if lang == "en" else "") + said  # the intro's paragraph goes on
    lines += ["", f"> {L['file']}: `{result.file}`" if lang == "en" else f"> {L['file']}：`{result.file}`"]
    if result.findings:
        lines += ["", f"## {L['list']}", ""]
        sep = ": " if lang == "en" else "："
        for number, f in enumerate(sorted(result.findings, key=Finding.sort_key), 1):
            rule = f.rule if f.for_rule is None else f"{f.rule}/{f.for_rule}"
            severity = _md(vocab(result, "severities", f.severity, lang))
            if lang == "zh":
                lines.append(f"{number}. 【{severity}】{_pick(f.title, lang)}（{rule}）")
            else:
                lines.append(f"{number}. [{severity}] {_pick(f.title, lang)} ({rule})")
            pad = " " * len(f"{number}. ")  # sub-items line up with the item's text (CommonMark)
            lines.append(f"{pad}- {_md(_subject(result, f, lang))}{sep}{_pick(f.message, lang)}")
            lines.append(f"{pad}- {L['rect']}{sep}{_pick(f.rectification, lang)}")
            if f.shortfall is not None:
                lines.append(f"{pad}- {L['amount']}{sep}**{fmt_number(f.shortfall[0], 2)} {_md(f.shortfall[1])}**")
            lines.append(f"{pad}- {L['basis']}{sep}{_pick(f.basis, lang)}")
            lines.append(f"{pad}- {L['deadline']}")
        lines += ["", L["closing"]]
    lines += ["", L["sign"], "", L["date"]]
    return lines


def _failure(failure: Failure, lang: str) -> list[str]:
    L = _L[lang]
    why = L["invalid"] if failure.status == 2 else L["internal"]
    return [L["not_checked"].format(file=failure.file, why=why), ""] + [f"- `{e.render(lang)}`" for e in failure.errors]


def render(outcomes: Sequence[Outcome], *, lang: str = "zh", color: bool = False, fail_on: str = "blocking") -> str:
    blocks = ["\n".join(_letter(o, lang) if isinstance(o, Result) else _failure(o, lang)) for o in outcomes]
    return "\n\n---\n\n".join(blocks) + "\n"
