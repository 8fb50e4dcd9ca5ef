"""The workbench in a real browser, as the office and a district use it (issue 14's scenario): a filer of 南岸区 logs in,
uploads the district's .xlsx filing and reads its report; an officer changes FIN-13's 70% to 75% in the form and sees
the impact on the stored filings before proposing it; a reviewer approves it; the filer's re-check shows FIN-13 (南岸区
put 74.2% of its new funds to rural and weak schools). Then what a filer may not see: the 修改规则 and 审批 pages
(403), another district's filing (404).

Every page visited is checked by ``pagebench.Browser.look`` (this server only, the CSP kept, axe-core clean) and saved
as a screenshot; ``JUNHENG_SCREENSHOTS=docs/images`` keeps them (the README shows the report and the change form).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from pagebench import Browser, Live, browsing, start_server, store
from serverbench import BEIBEI

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    server = start_server(tmp_path_factory.mktemp("pages") / "data")
    store(server, "officer", BEIBEI, "beibei")  # 北碚区's filing: another district's, for the filer
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser(live: Live, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    with browsing(live, tmp_path_factory.mktemp("screenshots")) as made:
        yield made


def _filing_id(url: str) -> int:
    found = re.search(r"/filings/(\d+)", url)
    assert found, url
    return int(found.group(1))


def test_a_filer_uploads_an_officer_changes_fin13_a_reviewer_approves_and_the_filers_recheck_shows_it(
        browser: Browser, live: Live, xlsx_filing: Path) -> None:
    # 南岸区's filer logs in, uploads the district's workbook and reads the report: FIN-13 (70%) does not fire.
    with browser.person(None) as page:
        page.goto("/")
        assert "/login" in page.url  # a visitor is sent to the login form
        browser.look(page, "server-login")
    with browser.person("filer") as filer:
        assert filer.get_by_role("heading", level=1).inner_text() == "你好，filer"  # the home page: the district's filings
        browser.look(filer, "server-home-filer")
        filer.get_by_role("navigation", name="主菜单").get_by_role("link", name="申报").click()
        browser.look(filer, "server-filings")
        filer.get_by_label("申报文件（.xlsx、.yaml、.yml、.json）").set_input_files(str(xlsx_filing))
        filer.get_by_role("button", name="上传并检查").click()
        filer.wait_for_url(re.compile(r"/filings/\d+$"))
        nanan = _filing_id(filer.url)
        assert filer.get_by_role("heading", level=1).inner_text() == "南岸区（500108）2011 年申报"
        assert filer.locator("tr[data-rule='STD-01']").count() == 1 and filer.locator("tr[data-rule='FIN-13']").count() == 0
        frame = filer.frame_locator("iframe.report-frame")
        assert "义务教育均衡发展督导评估报告" in frame.locator("body").inner_text()  # the CLI's HTML report, embedded
        assert filer.get_by_role("link", name="督导意见书（Word）").get_attribute("href") == f"/api/filings/{nanan}/report/docx?lang=zh"
        browser.look(filer, "server-report", full=False)

        # An officer changes FIN-13's threshold from 70% to 75%: the impact on every stored filing shows as they type.
        with browser.person("officer") as officer:
            officer.goto("/rules/FIN-13")
            assert "新增教育经费70%向农村和薄弱学校倾斜" in officer.get_by_role("heading", level=1).inner_text()
            browser.look(officer, "server-rule")
            officer.get_by_role("link", name="修改此规则").click()
            officer.wait_for_url(re.compile(r"/rules/FIN-13/edit$"), wait_until="load")  # htmx is ready
            threshold = officer.get_by_label("threshold")
            assert threshold.input_value() == "70"
            threshold.fill("75")
            preview = officer.locator("#preview")
            preview.get_by_text("FIN-13 threshold: 70% → 75%").wait_for()
            row = preview.locator("tbody tr", has=officer.locator(f"a[href='/filings/{nanan}']"))
            assert "FIN-13 南岸区" in row.inner_text() and "合格（不变）" in row.inner_text()
            other = preview.locator("tbody tr", has=officer.locator(f"a[href='/filings/{live.ids['beibei']}']"))
            assert "FIN-13 北碚区" in other.inner_text()  # 北碚区's 71.1% is below 75% too: every stored filing is shown
            officer.get_by_label("已存申报", exact=True).select_option(str(nanan))
            officer.get_by_role("button", name="试运行").click()
            officer.locator("#trial").get_by_text("按表单中的取值（尚未提交）").wait_for()
            assert "违规" in officer.locator("#trial tbody").inner_text() and "74.2%" in officer.locator("#trial tbody").inner_text()
            officer.get_by_label("标题").fill("FIN-13 提高到 75%")
            officer.get_by_label("理由（依据的文件、会议或通知）").fill("市督导室 2025 年第 3 号通知")
            browser.look(officer, "server-change")
            officer.get_by_role("button", name="提交修改申请").click()
            officer.wait_for_url(re.compile(r"/changes/\d+\?proposed=1$"))
            assert officer.get_by_role("button", name="批准并生效").count() == 0  # an officer does not decide
            browser.look(officer, "server-proposed")

        # A reviewer reads the pending change with its impact and diff, and approves it.
        with browser.person("reviewer") as reviewer:
            reviewer.get_by_role("navigation", name="主菜单").get_by_role("link", name="审批").click()
            card = reviewer.locator("article", has_text="FIN-13 提高到 75%")
            assert "FIN-13 threshold: 70% → 75%" in card.inner_text() and "南岸区（500108）" in card.inner_text()
            browser.look(reviewer, "server-approvals")
            card.get_by_role("button", name="批准并生效").click()
            reviewer.get_by_text("已批准并生效").wait_for()
            assert "+    params: {threshold: 0.75}" in (reviewer.locator("pre.diff").text_content() or "")

        # The filer's report now says the rules have changed; the re-check shows FIN-13.
        filer.reload()
        notice = filer.locator(".warning")
        assert "规则已修改" in notice.inner_text() and "FIN-13" in notice.inner_text()
        browser.look(filer, "server-recheck-offered", full=False)
        filer.get_by_role("button", name="重新检查").click()
        filer.get_by_text("已按现行规则").wait_for()
        finding = filer.locator("tr[data-rule='FIN-13']")
        assert "新增教育经费用于农村和薄弱学校 74.2%，低于 75%" in finding.inner_text()
        assert filer.locator(".warning").count() == 0
        browser.look(filer, "server-rechecked", full=False)


def test_a_filer_sees_neither_the_change_form_nor_the_approvals_nor_another_districts_filing(browser: Browser, live: Live) -> None:
    with browser.person("filer") as page:
        menu = page.get_by_role("navigation", name="主菜单").inner_text()
        assert "审批" not in menu and "审计日志" not in menu
        page.goto("/rules/FIN-13")
        assert page.get_by_role("link", name="修改此规则").count() == 0
        for path in ("/rules/FIN-13/edit", "/changes", "/audit"):
            response = page.goto(path)
            assert response is not None and response.status == 403, path
            assert "无权访问" in page.get_by_role("heading", level=1).inner_text()
        browser.look(page, "server-forbidden")
        response = page.goto(f"/filings/{live.ids['beibei']}")
        assert response is not None and response.status == 404
        assert "找不到该申报" in page.locator("main").inner_text() and "北碚" not in page.locator("main").inner_text()
        browser.look(page, "server-not-found")
        page.goto("/filings")
        assert "北碚" not in page.locator("main").inner_text()
        forged = page.request.post("/logout", form={"csrf": "forged"}, max_redirects=0)
        assert forged.status == 403 and "表单已过期或并非来自本站" in forged.text()  # every form carries the session's token
        page.goto("/")
        assert "/login" not in page.url  # still logged in


def test_every_page_has_a_csp_without_inline_script_and_loads_nothing_from_another_host(browser: Browser, live: Live) -> None:
    with browser.person("reviewer") as page:
        for path in ("/", "/filings", f"/filings/{live.ids['beibei']}", "/rules", "/rules/STD-01", "/rules/STD-01/edit", "/changes",
                     "/audit", "/ledger", "/overview"):
            response = page.goto(path)
            assert response is not None and response.ok, path
            policy = response.headers["content-security-policy"]
            script = next(d for d in policy.split(";") if d.strip().startswith("script-src"))
            assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script and "default-src 'self'" in policy, policy
            assert page.locator("script:not([src])").count() == 0 and page.locator("[style]").count() == 0, path
        browser.look(page, "server-overview", full=False)
        assert all(u.startswith(live.origin) for u in page.requests), [u for u in page.requests if not u.startswith(live.origin)]
