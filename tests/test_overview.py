"""``junheng overview``: every figure of the overview is the figure the per-district results say.

The expectations are computed here, independently, from the JSON the per-district ``junheng check``
gives (and, for the growths, from the filings themselves), never from the overview's own code: the
district table (verdict, counts, blocking rules, amounts per unit), the rules per area (districts and
schools short), the coefficients against the pack's lines, 三个增长, the trend and the ledger's counts
(``junheng follow-up``). Then a generated city of 38 districts over two years; the page in real
Chromium (Playwright, the system browser) with a screenshot and axe-core; the workbook in openpyxl and
LibreOffice; broken input; determinism; and the summary's size, which must not grow with the schools.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections import defaultdict
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml

from junheng.overview.summary import summarise
from junheng.synthetic import Spec, filing, write
from shared import FIX, INVALID, ROOT, run

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
AXE_SCRIPT = ROOT / "tests" / ".cache" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
SEVERITIES = ("blocking", "major", "minor", "info")
TOP_KEYS = {"schema_version", "kind", "years", "filings", "verdicts", "shortfalls", "districts", "areas", "coefficients", "growth",
            "schools", "trend", "failures", "notes"}


def _json(*args: object, cwd: Path = ROOT, codes: tuple[int, ...] = (0, 1)) -> Any:
    code, out, err = run(*args, cwd=cwd)
    assert code in codes, f"exit {code}\n{err[-3000:]}"
    return json.loads(out)


def _results(*args: object, cwd: Path = ROOT, lang: str = "zh") -> list[dict[str, Any]]:
    doc = _json("check", *args, "--format", "json", "--lang", lang, "--fail-on", "never", cwd=cwd, codes=(0, 2))
    return doc["results"] if "results" in doc else [doc]


def _latest(results: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each district's latest checked result; of two for the same year, the first given."""
    latest: dict[str, dict[str, Any]] = {}
    for r in results:
        if "verdict" not in r:
            continue
        code, year = r["district"]["code"], r["district"]["year"]
        if code not in latest or year > latest[code]["district"]["year"]:
            latest[code] = r
    return latest


def _is_school(subject: str, code: str) -> bool:
    return subject != code and not subject.startswith(f"{code}/")


def _rate(finding: dict[str, Any]) -> bool:
    """An amount per teacher per year or in percentage points (the English rectification says so): listed, never summed."""
    unit = finding["shortfall"]["unit"]
    return "百分点" in unit or re.search(r"\d\s?" + re.escape(unit) + r"\s+per ", finding["rectification"]) is not None


def _sums(result_en: dict[str, Any]) -> dict[str, float]:
    sums: dict[str, float] = defaultdict(float)
    for f in result_en["findings"]:
        if "shortfall" in f and f["shortfall"]["value"] and not _rate(f):
            sums[f["shortfall"]["unit"]] += f["shortfall"]["value"]
    return dict(sums)


@pytest.fixture(scope="module")
def fixtures_run() -> dict[str, Any]:
    """The overview of the bundled filings, and the per-district results of the same filings (zh and en)."""
    results = _results("fixtures/filings")
    english = {r["file"]: r for r in _results("fixtures/filings", lang="en")}
    return {"overview": _json("overview", "fixtures/filings", "--format", "json"), "results": results, "en": english,
            "latest": _latest(results)}


# ---------------------------------------------------------------- the district table


def test_the_district_table_says_what_each_districts_own_check_says(fixtures_run):
    o, latest, english = fixtures_run["overview"], fixtures_run["latest"], fixtures_run["en"]
    assert set(o) == TOP_KEYS and o["schema_version"] == 1 and o["kind"] == "overview"
    assert {d["code"] for d in o["districts"]} == set(latest)
    for d in o["districts"]:
        r = latest[d["code"]]
        assert d["file"] == r["file"] and d["year"] == r["district"]["year"] and d["name"] == r["district"]["name"]
        assert d["verdict"] == r["verdict"] and d["standard"] == r["standard"]
        assert d["summary"] == {s: r["summary"][s] for s in SEVERITIES}
        blocking = {f.get("for_rule") or f["rule"] for f in r["findings"] if f["severity"] == "blocking"}
        assert {b["rule"] for b in d["blocking"]} == blocking, d["code"]
        assert d["shortfalls"] == pytest.approx(_sums(english[r["file"]])), d["code"]


def test_the_deferred_come_first_and_the_counts_and_city_totals_add_up(fixtures_run):
    o, latest = fixtures_run["overview"], fixtures_run["latest"]
    verdicts = [d["verdict"] for d in o["districts"]]
    assert verdicts == sorted(verdicts, key=lambda v: v != "deferred")
    assert o["verdicts"] == {v: sum(1 for r in latest.values() if r["verdict"] == v) for v in ("qualified", "deferred")}
    totals: dict[str, float] = defaultdict(float)
    for d in o["districts"]:
        for unit, value in d["shortfalls"].items():
            totals[unit] += value
    assert o["shortfalls"] == pytest.approx(dict(totals))
    assert o["filings"] == {"given": len(fixtures_run["results"]), "checked": len(fixtures_run["results"]), "failed": 0, "skipped": 0}


def test_a_district_and_year_filed_twice_is_counted_once_and_said_in_a_note(fixtures_run):
    o = fixtures_run["overview"]
    nanan_2011 = [p for t in o["trend"] if t["code"] == "500108" for p in t["years"] if p["year"] == 2011]
    assert [p["file"] for p in nanan_2011] == ["fixtures/filings/nanan-2011.json"]
    assert any("nanan-2011.json" in n and "nanan-2011.yaml" in n for n in o["notes"])


# ---------------------------------------------------------------- per area


def test_each_rule_row_counts_the_districts_and_schools_that_fall_short(fixtures_run):
    o, latest = fixtures_run["overview"], fixtures_run["latest"]
    short: dict[str, set[str]] = defaultdict(set)
    schools: dict[str, set[tuple[str, str]]] = defaultdict(set)
    missing: dict[str, set[str]] = defaultdict(set)
    for code, r in latest.items():
        for f in r["findings"]:
            if "for_rule" in f:
                missing[f["for_rule"]].add(code)
                continue
            short[f["rule"]].add(code)
            if _is_school(f["subject"], code):
                schools[f["rule"]].add((code, f["subject"]))
    rows = {row["rule"]: row for area in o["areas"] for row in area["rules"]}
    assert set(rows) == set(short) | set(missing)
    for rule, row in rows.items():
        assert row["districts_short"] == len(short[rule]), rule
        assert row["schools_short"] == len(schools[rule]), rule
        assert row["districts_missing"] == len(missing[rule]), rule
    for area in o["areas"]:  # the most widespread problem first
        keys = [(-r["districts_short"], -r["schools_short"]) for r in area["rules"]]
        assert keys == sorted(keys), area["area"]


def test_the_share_of_schools_meeting_a_standard_counts_the_schools_short(fixtures_run):
    o = fixtures_run["overview"]
    rows = {row["rule"]: row for area in o["areas"] for row in area["rules"]}
    for share in o["schools"]:
        assert share["met"] == share["schools"] - share["short"] - share["missing"]
        assert share["short"] == rows.get(share["rule"], {}).get("schools_short", 0)
        assert share["share"] == pytest.approx(share["met"] / share["schools"], abs=1e-4)


# ---------------------------------------------------------------- the charts' figures


def test_the_coefficient_lines_are_the_packs_params(fixtures_run, policy):
    for chart in fixtures_run["overview"]["coefficients"]:
        pack = policy.packs[chart["standard"]]
        expected = {(r.id, req.name): float(r.params[chart["level"]]["threshold"]) for r in pack.rules
                    if r.area == "balance" for req in r.requirement}
        assert {(lim["rule"], lim["name"]): lim["limit"] for lim in chart["limits"]} == expected


def test_a_stricter_local_line_moves_the_chart_and_the_verdicts_agree(tmp_path):
    pack = tmp_path / "rules" / "packs" / "strict-balance"
    pack.mkdir(parents=True)
    (pack / "pack.yaml").write_text(
        "name: strict-balance\ntitle: {zh: 从严差异系数（测试）, en: Strict balance (test)}\nextends: basic\n"
        "overrides:\n  BAL-01:\n    params: {threshold: {primary: 0.15, junior: 0.12}}\n", encoding="utf-8")
    args = ("fixtures/filings/yubei-2012.yaml", "fixtures/filings/wanzhou-2011.yaml", "--rules", "rules", "--rules",
            str(tmp_path / "rules"), "--standard", "strict-balance")
    o = _json("overview", *args, "--format", "json")
    results = {r["file"]: r for r in _results(*args)}
    assert {c["level"]: [lim["limit"] for lim in c["limits"]] for c in o["coefficients"]} == {"primary": [0.15], "junior": [0.12]}
    for chart in o["coefficients"]:
        for d in chart["districts"]:
            (c,) = d["coefficients"]
            file = next(x["file"] for x in o["districts"] if x["code"] == d["code"])
            fired = any(f["rule"] == "BAL-01" and f["subject"].endswith("/" + chart["level"]) for f in results[file]["findings"])
            assert (c["status"] == "short") == fired == (c["value"] > c["limit"]), (d["code"], c)


def test_the_growths_are_the_filings_own_figures(fixtures_run):
    o, latest = fixtures_run["overview"], fixtures_run["latest"]
    assert o["growth"]["rules"] == ["FIN-02", "FIN-03", "FIN-04"]
    for row in o["growth"]["districts"]:
        r = latest[row["code"]]
        finance = yaml.safe_load((ROOT / r["file"]).read_text(encoding="utf-8"))["finance"]
        appropriation, revenue = finance["education_appropriation"], finance["regular_revenue"]
        assert row["growth"]["appropriation"] == pytest.approx(appropriation["current"] / appropriation["previous"], abs=1e-4)
        assert row["growth"]["revenue"] == pytest.approx(revenue["current"] / revenue["previous"], abs=1e-4)
        fired = {f["rule"] for f in r["findings"] if "for_rule" not in f}
        assert (row["growth"]["status"] == "short") == ("FIN-01" in fired)
        for rule, status in row["grows"].items():
            assert (status == "short") == (rule in fired), (row["code"], rule)


# ---------------------------------------------------------------- years


def test_the_trend_has_each_year_and_the_ledger_counts_of_junheng_follow_up(fixtures_run):
    o, results = fixtures_run["overview"], fixtures_run["results"]
    by_file = {r["file"]: r for r in results}
    trend = {t["code"]: t for t in o["trend"]}
    assert set(trend) == {"500106", "500108"}
    for t in trend.values():
        for point in t["years"]:
            r = by_file[point["file"]]
            assert (point["year"], point["verdict"], point["summary"]) == (r["district"]["year"], r["verdict"],
                                                                          {s: r["summary"][s] for s in SEVERITIES})
        earlier, later = t["years"][-2]["file"], t["years"][-1]["file"]
        ledger = _json("follow-up", earlier, later, "--format", "json")
        assert t["progress"]["ledger"] == ledger["summary"], t["code"]
        then = {f.get("for_rule") or f["rule"] for f in by_file[earlier]["findings"]}
        now = {f.get("for_rule") or f["rule"] for f in by_file[later]["findings"]}
        assert set(t["progress"]["rules"]["resolved"]) | set(t["progress"]["rules"]["unknown"]) == then - now
        assert set(t["progress"]["rules"]["open"]) == then & now and set(t["progress"]["rules"]["new"]) == now - then


def test_earlier_results_from_check_json_give_the_trend(tmp_path):
    earlier = tmp_path / "2011"
    earlier.mkdir()
    code, out, _ = run("check", "fixtures/filings/shapingba-2011.yaml", "fixtures/filings/nanan-2011.yaml", "--format", "json")
    (earlier / "results.json").write_text(out, encoding="utf-8")
    o = _json("overview", "fixtures/filings/shapingba-2012-integrity.yaml", "fixtures/filings/nanan-2012-missing.yaml",
              "--previous-results", str(earlier), "--format", "json")
    assert {t["code"]: [p["year"] for p in t["years"]] for t in o["trend"]} == {"500106": [2011, 2012], "500108": [2011, 2012]}
    assert all(t["progress"]["ledger"] is None and not t["years"][0]["checked"] for t in o["trend"])
    assert [d["year"] for d in o["districts"]] == [2012, 2012]


# ---------------------------------------------------------------- broken input


def test_a_bad_filing_is_named_and_the_others_are_still_summed_up(tmp_path):
    folder = tmp_path / "filings"
    folder.mkdir()
    for name in ("yubei-2012.yaml", "yongchuan-2012.yaml"):
        shutil.copy(FIX / name, folder / name)
    shutil.copy(INVALID / "bad-enum.yaml", folder / "bad-enum.yaml")
    code, out, err = run("overview", "filings", "--format", "json", cwd=tmp_path)
    assert code == 2, err
    o = json.loads(out)
    assert sorted(d["name"] for d in o["districts"]) == ["永川区", "渝北区"]
    assert [f["file"] for f in o["failures"]] == ["filings/bad-enum.yaml"]
    assert o["failures"][0]["errors"][0]["line"] == 35 and "middle" in o["failures"][0]["errors"][0]["message"]
    assert "filings/bad-enum.yaml:35:12" in err and "Traceback" not in err
    code, out, err = run("overview", "filings", "--format", "markdown", cwd=tmp_path)
    assert code == 2 and "filings/bad-enum.yaml" in out and "第 35 行" in out


def test_an_unreadable_earlier_result_is_exit_2_naming_it(tmp_path):
    (tmp_path / "prev").mkdir()
    (tmp_path / "prev" / "broken.json").write_text('{"results": [', encoding="utf-8")
    code, out, err = run("overview", str(FIX / "yongchuan-2012.yaml"), "--previous-results", str(tmp_path / "prev"), "--format", "json")
    assert code == 2, err
    assert "broken.json:1:" in err and "不是有效的 JSON" in err and "Traceback" not in err
    assert json.loads(out)["districts"][0]["code"] == "500118"


def test_an_xlsx_without_output_and_an_unknown_standard_are_exit_2():
    code, _, err = run("overview", "fixtures/filings/yubei-2012.yaml", "--format", "xlsx")
    assert code == 2 and "--output" in err
    code, _, err = run("overview", "fixtures/filings/yubei-2012.yaml", "--standard", "nope")
    assert code == 2 and "nope" in err


# ---------------------------------------------------------------- a generated city, two years


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> dict[str, Any]:
    """38 districts × two years (2016 and 2017, other figures each year), the overview written into a folder."""
    root = tmp_path_factory.mktemp("city")
    write(Spec(districts=38, schools=24, violation_share=0.03, seed=11, year=2016), root / "filings" / "2016")
    write(Spec(districts=38, schools=24, violation_share=0.015, seed=12, year=2017), root / "filings" / "2017")
    code, _, err = run("overview", "filings", "--output", "out/", "--lang", "zh", cwd=root)
    assert code in (0, 1), err
    for fmt in ("json", "xlsx"):
        code, _, err = run("overview", "filings", "--format", fmt, "--output", f"out/overview.{fmt}", cwd=root)
        assert code in (0, 1), err
    return {"root": root, "json": json.loads((root / "out" / "overview.json").read_text(encoding="utf-8")),
            "results": _results("filings/2017", cwd=root), "en": {r["file"]: r for r in _results("filings/2017", cwd=root, lang="en")}}


def test_the_city_lists_38_districts_in_their_latest_year_as_their_checks_say(city):
    o = city["json"]
    by_code = {r["district"]["code"]: r for r in city["results"]}
    assert len(o["districts"]) == 38 and {d["year"] for d in o["districts"]} == {2017} and o["years"] == [2016, 2017]
    for d in o["districts"]:
        r = by_code[d["code"]]
        assert (d["verdict"], d["summary"]) == (r["verdict"], {s: r["summary"][s] for s in SEVERITIES})
        assert d["shortfalls"] == pytest.approx(_sums(city["en"][r["file"]]))
    assert len(o["trend"]) == 38 and all([p["year"] for p in t["years"]] == [2016, 2017] for t in o["trend"])
    assert all(t["progress"]["ledger"] is not None for t in o["trend"])


def test_each_district_links_to_its_own_report_written_beside_the_overview(city):
    root, o = city["root"], city["json"]
    page = (root / "out" / "overview.html").read_text(encoding="utf-8")
    table = page[page.index('<table data-table="districts">'):]
    links = re.findall(r'<a href="(overview-districts/[^"]+)">([^<]+)</a>', table[:table.index("</table>")])
    assert len(links) == 38
    deferred = [d["name"] for d in o["districts"] if d["verdict"] == "deferred"]
    head = page[:page.index('<table data-table="districts">')]
    assert re.findall(r'<a href="overview-districts/[^"]+">([^<]+)</a>', head) == deferred  # the deferred, named at the top
    for href, name in links:
        report = (root / "out" / href).read_text(encoding="utf-8")
        assert name in report and 'data-verdict="' in report
    assert len(list((root / "out" / "overview-districts").glob("*.html"))) == 76  # both years' reports, 2017 linked
    assert all(d["report"] is None for d in o["districts"])  # the JSON went to a file: no reports, no links


def test_the_workbook_has_the_same_figures_one_sortable_sheet_per_table(city):
    o = city["json"]
    wb = openpyxl.load_workbook(city["root"] / "out" / "overview.xlsx")
    ws = wb.worksheets[0]
    assert ws.title == "区县一览" and ws.freeze_panes == "B2" and ws.auto_filter.ref.startswith("A1:")
    header = [c.value for c in ws[1]]
    last = len(o["districts"]) + 1
    rows = {row[1]: dict(zip(header, row, strict=True)) for row in ws.iter_rows(min_row=2, max_row=last, values_only=True)}
    verdicts = {"qualified": "合格", "deferred": "推迟认定"}
    for d in o["districts"]:
        row = rows[d["code"]]
        assert (row["区县"], row["年度"], row["结论"]) == (d["name"], d["year"], verdicts[d["verdict"]])
        assert (row["否决项"], row["须整改"], row["建议"], row["提示"]) == tuple(d["summary"][s] for s in SEVERITIES)
        for unit, value in d["shortfalls"].items():
            shown = "㎡" if unit == "m²" else unit
            assert row[f"整改量（{shown}）"] == pytest.approx(value), (d["code"], unit)
    assert {"历年趋势与整改进展", "三个增长", "学校达标率"} <= set(wb.sheetnames)
    for sheet in wb.worksheets:
        assert sheet.freeze_panes == "B2" and sheet.auto_filter.ref, sheet.title


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed")
def test_libreoffice_reads_the_workbook_with_the_same_figures(city, tmp_path):
    utf8_csv = "csv:Text - txt - csv (StarCalc):44,34,76"  # comma, double quotes, UTF-8
    run_ = subprocess.run([SOFFICE, "--headless", f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--convert-to", utf8_csv,
                           "--outdir", str(tmp_path), str(city["root"] / "out" / "overview.xlsx")],
                          capture_output=True, text=True, timeout=240)
    csv_path = tmp_path / "overview.csv"
    assert csv_path.exists(), run_.stderr
    lines = csv_path.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("区县,代码,年度")
    for d in city["json"]["districts"]:
        line = next(x for x in lines if f",{d['code']}," in x)
        cells = line.split(",")
        assert cells[:3] == [d["name"], d["code"], str(d["year"])]
        assert [int(c) for c in cells[5:9]] == [d["summary"][s] for s in SEVERITIES]


# ---------------------------------------------------------------- the page in a real browser


def _browser_page(path: Path, screenshot: Path, axe: str | None) -> dict[str, Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(path.as_uri())
            page.screenshot(path=str(screenshot), full_page=True)
            found = {"errors": errors, "charts": page.locator("figure[data-chart] svg[role=img]").count(),
                     "rows": page.locator('table[data-table="districts"] tbody tr').count(),
                     "verdicts": page.locator(".cards li b").all_inner_texts()}
            if axe is not None:
                page.add_script_tag(content=axe)
                found["violations"] = page.evaluate("axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map("
                                                    "v => ({id: v.id, impact: v.impact, help: v.help, n: v.nodes.length})))")
            return found
        finally:
            browser.close()


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium; .ci/run does it)")
def test_the_city_overview_reads_in_chromium_with_no_serious_accessibility_violation(city, tmp_path):
    axe = AXE_SCRIPT.read_text(encoding="utf-8") if AXE_SCRIPT.is_file() else None
    shot = tmp_path / "overview.png"
    found = _browser_page(city["root"] / "out" / "overview.html", shot, axe)
    assert shot.read_bytes().startswith(b"\x89PNG") and shot.stat().st_size > 50_000
    assert not found["errors"], found["errors"]
    o = city["json"]
    assert found["rows"] == 38 and found["verdicts"] == ["38", str(o["verdicts"]["qualified"]), str(o["verdicts"]["deferred"])]
    assert found["charts"] == len(o["coefficients"]) + 3  # coefficients per level, growths, schools, trend
    if axe is None:
        pytest.skip(f"axe-core is not in {AXE_SCRIPT.parent} (.ci/run installs it)")
    serious = [v for v in found["violations"] if v["impact"] in ("serious", "critical")]
    assert not serious, serious


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium; .ci/run does it)")
def test_the_fixtures_overview_in_english_has_no_serious_accessibility_violation(tmp_path):
    code, _, err = run("overview", "fixtures/filings", str(INVALID / "bad-enum.yaml"), "--lang", "en", "--output", str(tmp_path / "o.html"))
    assert code == 2, err
    axe = AXE_SCRIPT.read_text(encoding="utf-8") if AXE_SCRIPT.is_file() else None
    found = _browser_page(tmp_path / "o.html", tmp_path / "o.png", axe)
    assert not found["errors"] and found["rows"] == 9
    if axe is not None:
        assert not [v for v in found["violations"] if v["impact"] in ("serious", "critical")], found["violations"]


# ---------------------------------------------------------------- determinism and size


def test_the_same_filings_give_the_same_bytes_in_every_format(tmp_path):
    for fmt in ("html", "json", "markdown", "xlsx"):
        outputs = []
        for n in (1, 2):
            target = tmp_path / str(n) / f"overview.{fmt}"
            code, _, err = run("overview", "fixtures/filings", "--format", fmt, "--output", str(target), "--jobs", str(n))
            assert code in (0, 1), err
            outputs.append(target.read_bytes())
        assert outputs[0] == outputs[1], fmt


def test_a_summary_does_not_grow_with_the_number_of_schools(policy, tmp_path):
    from junheng.check.run import Options, check_one_safely  # imported here: this test alone checks in this process

    sizes = []
    for schools in (20, 400):
        path = tmp_path / f"d{schools}.json"
        path.write_text(json.dumps(filing(3, Spec(schools=schools, violation_share=0.0)), ensure_ascii=False), encoding="utf-8")
        result = check_one_safely(str(path), policy, Options(details=frozenset({"indicators"})))
        summary = summarise(result, policy.packs[result.standard])
        sizes.append(len(json.dumps(summary.to_json())))
        assert max(t.schools_judged or 0 for t in summary.rules) >= schools
    assert sizes[1] <= sizes[0] * 1.1, sizes


def test_every_word_of_the_page_is_in_both_languages():
    from junheng.overview.words import WORDS  # imported here: only this test reads the page's own words

    assert set(WORDS["zh"]) == set(WORDS["en"])
    assert all(re.search(r"[\u4e00-\u9fff]", text) or not re.search(r"[A-Za-z]{3}", text) or "junheng" in text or "--" in text
               for key, text in WORDS["zh"].items() if key not in ("level_chart",)), "a Chinese word left in English"
