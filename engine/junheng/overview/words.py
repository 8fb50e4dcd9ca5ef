"""The overview's own words, in Chinese and English: headings, column names, statuses.

The rules' words (titles, areas, severities, verdicts, levels) come from the rule files through the
``Catalogue``; these are only the page's frame, as the district report keeps its own in ``_L``.
"""

from __future__ import annotations

__all__ = ["WORDS", "words"]

WORDS: dict[str, dict[str, str]] = {
    "zh": {
        "title": "义务教育均衡发展督导评估概览", "districts": "区县一览", "areas": "按领域：各项规则未达标情况",
        "coefficients": "校际差异系数", "growth": "三个增长", "shares": "学校达标率", "trend": "历年趋势与整改进展",
        "failures": "无法检查的申报", "notes": "说明", "contents": "本页内容",
        "district": "区县", "code": "代码", "year": "年度", "standard": "规则包", "verdict": "结论", "file": "申报文件",
        "blocking_by_name": "否决项问题", "amounts": "整改量（可合计部分）", "amount_in": "整改量（{unit}）",
        "rule": "规则", "item": "事项", "severity": "严重程度", "districts_short": "未达标区县", "districts_missing": "数据缺失区县",
        "districts_judged": "检查区县", "schools_short": "未达标学校", "schools_judged": "检查学校",
        "total": "整改量合计", "met_rules": "其余 {n} 条规则，各区县全部达标。", "all_met": "本领域 {n} 条规则，各区县全部达标。",
        "limit": "标准线", "value": "差异系数", "result": "结果", "ok": "达标", "short": "未达标", "over": "超标",
        "missing": "数据缺失", "na": "不适用", "appropriation": "教育财政拨款增长", "revenue": "财政经常性收入增长",
        "margin": "相差（百分点）", "schools": "检查学校", "met": "达标", "share": "达标率",
        "progress_col": "整改进展", "findings": "问题数（否决项＋须整改）", "why": "原因",
        "n_districts": "区县", "n_qualified": "合格", "n_deferred": "推迟认定", "n_failed": "无法检查",
        "deferred_list": "推迟认定的区县：",
        "change": "有两个年度的 {n} 个区县，上一年度与最近年度相比：", "none_deferred": "没有推迟认定的区县。",
        "filings": "共 {n} 份申报，检查 {checked} 份", "latest": "每个区县列最新一年的申报。", "skipped": "跳过 {n} 个非申报文件。",
        "years": "年度：{years}", "city_total": "全部区县合计", "per_unit": "按单位合计；每名教师每年、百分点等按项计的不合计",
        "no_reports": "未写出各区县报告（用 --output 指定 .html 文件或文件夹即可写出并链接）",
        "chart_note": "图中每行一个区县，条形为差异系数，虚线为规则包的标准线；条形带斜线为超标，文字同时注明。",
        "quality_note": "优质均衡每个学段有多项差异系数：条形画出离标准线最近（或超出最多）的一项，各项数值见下表。",
        "growth_note": "每行一个区县：实心条为教育财政拨款增长，带斜线的条为财政经常性收入增长；拨款增长须高于收入增长。",
        "share_note": "每行一项学校办学标准：条形为达标学校所占比例，括号内为未达标学校数。",
        "trend_note": "每行一个区县：圆点为各年度的问题数（否决项＋须整改），空心为较早年度，实心为最近年度。",
        "progress_note": "整改进展比较每个区县最近两年：整改台账逐项逐校计数（与 junheng follow-up 相同），"
                         "其下按规则列出上年未达标、今年达标（已整改）、仍未达标和新增的规则。",
        "ledger_hook": "各区县的整改台账明细：junheng follow-up 上年申报 本年申报。",
        "generated": "由 junheng 生成；同样的申报、同样的规则生成同样的概览。", "table": "数据表",
        "sep": "：", "list": "、", "paren": "（{}）", "times": "{n} 处", "data_missing": "数据缺失", "level_chart": "{level} · {pack}",
        "more": "等 {n} 项", "line_n": "第 {n} 行",
        "ledger": "整改台账（逐项逐校）", "ledger_resolved": "已整改", "ledger_partly": "部分整改", "ledger_open": "未整改",
        "ledger_unknown": "无法判断", "ledger_new": "新增问题", "rules_resolved": "已整改的规则 {n} 条",
        "rules_still": "仍未整改的规则 {n} 条", "rules_new": "新增未达标的规则 {n} 条", "rules_unknown": "无法判断的规则 {n} 条",
        "fewer": "减少 {n}", "more_f": "增加 {n}", "same": "持平",
    },
    "en": {
        "title": "Balanced-development inspection overview", "districts": "Districts", "areas": "By area: rules not met",
        "coefficients": "Difference coefficients between schools", "growth": "The three growths", "shares": "Schools meeting each standard",
        "trend": "Trend across years and rectification", "failures": "Filings that could not be checked", "notes": "Notes",
        "contents": "On this page",
        "district": "District", "code": "Code", "year": "Year", "standard": "Standard", "verdict": "Verdict", "file": "Filing",
        "blocking_by_name": "Blocking findings", "amounts": "To make up (where amounts add up)", "amount_in": "To make up ({unit})",
        "rule": "Rule", "item": "Requirement", "severity": "Severity", "districts_short": "Districts short",
        "districts_missing": "Districts missing data", "districts_judged": "Districts checked", "schools_short": "Schools short",
        "schools_judged": "Schools checked", "total": "Total to make up",
        "met_rules": "The {n} other rules are met by every district.", "all_met": "Every district meets all {n} rules of this area.",
        "limit": "limit", "value": "coefficient", "result": "Result", "ok": "met", "short": "short", "over": "over",
        "missing": "missing data", "na": "n/a", "appropriation": "Education appropriation growth", "revenue": "Regular revenue growth",
        "margin": "Difference (points)", "schools": "Schools checked", "met": "Meeting", "share": "Share meeting",
        "progress_col": "Rectification", "findings": "Findings (blocking + major)", "why": "Why",
        "n_districts": "districts", "n_qualified": "qualified", "n_deferred": "deferred", "n_failed": "not checked",
        "deferred_list": "Deferred: ",
        "change": "The {n} districts with two years, earlier year to latest: ", "none_deferred": "No district is deferred.",
        "filings": "{n} filings given, {checked} checked", "latest": "Each district's latest filing.",
        "skipped": "{n} files skipped (not filings).", "years": "Years: {years}", "city_total": "All districts",
        "per_unit": "summed per unit; amounts per teacher per year, percentage points and other rates are not summed",
        "no_reports": "District reports not written (name an .html file or a folder with --output to write and link them)",
        "chart_note": "One row per district: the bar is the coefficient, the dashed line the pack's limit; a hatched bar is over it, "
                      "and says so.",
        "quality_note": "Quality balance has several coefficients per level: the bar is the one nearest to (or furthest over) its limit; "
                        "every value is in the table.",
        "growth_note": "One row per district: the solid bar is education appropriation growth, the hatched bar regular revenue growth; "
                       "the first must be higher.",
        "share_note": "One row per school standard: the bar is the share of schools meeting it; in brackets, the schools that do not.",
        "trend_note": "One row per district: a dot per year for its findings (blocking + major), hollow for the earlier years, filled "
                      "for the latest.",
        "progress_note": "Rectification compares each district's last two years: the ledger's counts item by item (as junheng "
                         "follow-up gives them), then the rules not met then and met now (resolved), still not met, and new.",
        "ledger_hook": "A district's full ledger: junheng follow-up EARLIER LATER.",
        "generated": "Generated by junheng; the same filings and rules always give the same overview.",
        "table": "Data table", "sep": ": ", "list": ", ", "paren": " ({})", "times": "{n}×", "data_missing": "missing data",
        "level_chart": "{level} · {pack}", "more": "and {n} more",
        "line_n": "line {n}", "fewer": "{n} fewer",
        "ledger": "Ledger (item by item)", "ledger_resolved": "resolved", "ledger_partly": "partly", "ledger_open": "open",
        "ledger_unknown": "cannot tell", "ledger_new": "new", "rules_resolved": "rules resolved ({n})",
        "rules_still": "rules still not met ({n})", "rules_new": "rules newly not met ({n})", "rules_unknown": "rules not judged now ({n})",
        "more_f": "{n} more", "same": "no change",
    },
}


def words(lang: str) -> dict[str, str]:
    return WORDS["en" if lang == "en" else "zh"]
