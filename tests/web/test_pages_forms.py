"""The pages as people get them wrong, switch language, use a keyboard or a phone: an invalid upload shows where each
problem is (the line of a YAML file, the sheet and cell of a workbook) in Chinese, and stores nothing; the English
switch keeps the page and is remembered; the change form says what is wrong beside the field as the officer types; a
reviewer never gets the buttons for their own change, another rejects it with a reason; the office's pages (audit log,
ledger, overview, catalogue, letter) read well at 1280 px and on a narrow window, by keyboard.

Each page visited passes ``pagebench.Browser.look`` (this server only, the CSP kept, axe-core clean) and is saved as a
screenshot.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from pagebench import NARROW, PASSWORD, Browser, Live, browsing, start_server, store
from serverbench import BEIBEI, BROKEN_FILING, NANAN
from shared import ROOT

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
BEIBEI_2013 = ROOT / "fixtures" / "follow-up" / "beibei-2013.yaml"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    server = start_server(tmp_path_factory.mktemp("forms") / "data")
    store(server, "filer", NANAN, "nanan")
    store(server, "officer", BEIBEI, "beibei")
    store(server, "officer", BEIBEI_2013, "beibei2013")  # 北碚区 2012 → 2013: a ledger to read
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser(live: Live, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    with browsing(live, tmp_path_factory.mktemp("screenshots")) as made:
        yield made


def _upload(page: Any, path: Path) -> None:
    page.goto("/filings")
    page.get_by_label("申报文件（.xlsx、.yaml、.yml、.json）").set_input_files(str(path))
    page.get_by_role("button", name="上传并检查").click()
    page.wait_for_load_state("load")


def _fits(page: Any) -> bool:
    """Whether the page fits its window's width (tables scroll inside their own box, the page does not)."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def test_an_invalid_upload_shows_each_problem_where_it_is_and_stores_nothing(browser: Browser, live: Live, xlsx_filing: Path,
                                                                            tmp_path: Path) -> None:
    broken = tmp_path / "nanan-2011-broken.xlsx"
    shutil.copyfile(xlsx_filing, broken)
    book = openpyxl.load_workbook(broken)
    book["学校"]["H3"] = "很多"  # 在校生数 of the second school: not a number
    book.save(broken)
    with browser.person("filer") as page:
        _upload(page, BROKEN_FILING)
        alert = page.get_by_role("alert")
        assert "申报文件无效：1 处问题" in alert.inner_text() and "未保存任何内容" in alert.inner_text()
        problems = page.get_by_role("table", name="申报文件中的问题")
        assert "missing-required.yaml 第 22 行第 5 列" in problems.inner_text()
        assert "缺少必填字段 “students”（在校生数）" in problems.inner_text()
        assert "{" not in page.locator("main").inner_text()  # located problems, not a JSON blob
        _upload(page, broken)
        cells = page.get_by_role("table", name="申报文件中的问题").inner_text()
        assert "nanan-2011-broken.xlsx 学校!H3" in cells and "在校生数" in cells
        browser.look(page, "server-upload-invalid")
        listed = page.get_by_role("table", name="申报（最新在前）").locator("tbody tr")
        assert listed.count() == 1  # only the filing stored before: neither upload was kept


def test_the_english_switch_keeps_the_page_and_is_remembered(browser: Browser, live: Live) -> None:
    nanan = live.ids["nanan"]
    with browser.person("filer") as page:
        page.goto(f"/filings/{nanan}")
        page.get_by_role("link", name="English").click()
        page.wait_for_url(re.compile(rf"/filings/{nanan}\?lang=en$"))
        assert page.get_by_role("heading", name="Report and downloads").count() == 1
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.locator("iframe.report-frame").get_attribute("src") == f"/api/filings/{nanan}/report.html?lang=en"
        browser.look(page, "server-report-en", full=False)
        page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Rules").click()
        assert page.get_by_role("heading", level=1).inner_text() == "Rules"  # remembered without ?lang=
        page.get_by_role("link", name="中文").click()
        assert page.get_by_role("heading", level=1).inner_text() == "规则"
        page.goto("/")
        assert page.get_by_role("heading", level=1).inner_text().startswith("你好")


def test_the_change_form_says_what_is_wrong_beside_each_field_as_the_officer_types(browser: Browser, live: Live) -> None:
    with browser.person("officer") as page:
        page.goto("/rules/STD-01/edit")
        upper = page.get_by_label("上限 upper")
        assert upper.input_value() == "55" and "现行：55人" in page.locator("#f-param-upper-hint").inner_text()
        shared = page.get_by_label("标准班额 class_size（小学）")  # a shared number: the form says which rules it changes too
        assert shared.input_value() == "45" and "STD-02" in page.locator("#f-shared-class-size-primary-hint").inner_text()
        upper.fill("很多")
        page.locator("#f-param-upper-problem").get_by_text("“很多”不是数值").wait_for()
        assert "表单有 1 处问题" in page.locator("#preview").inner_text()
        upper.fill("55")
        page.get_by_text("表单与现行规则相同").wait_for()
        assert page.locator("#f-param-upper-problem").inner_text() == ""
        page.goto("/rules/FIN-13/edit")
        page.get_by_label("threshold").fill("150")  # a share above 100%: the rule files refuse it, beside the field
        problem = page.locator("#f-param-threshold-problem")
        problem.get_by_text(re.compile("FIN-13")).wait_for()
        page.get_by_label("严重程度").select_option("blocking")
        page.locator("#preview-busy").wait_for(state="hidden")
        page.get_by_role("button", name="提交修改申请").click()  # without a title and a reason: the browser says so first
        assert page.url.endswith("/rules/FIN-13/edit")
        browser.look(page, "server-change-problems")
        assert "150" in page.get_by_label("threshold").input_value()


def test_the_change_form_works_without_script_too(browser: Browser, live: Live) -> None:
    with browser.person("officer", script=False) as page:
        page.goto("/rules/FIN-13/edit")
        assert "标准值" in page.locator("label", has_text="threshold").first.inner_text()  # the vocabulary's word for it
        page.get_by_label("threshold").fill("80")
        page.get_by_role("button", name="预览影响").click()  # the whole form posted, the whole page back
        assert "FIN-13 threshold: 70% → 80%" in page.locator("#preview").inner_text()
        assert page.get_by_label("threshold").input_value() == "80"  # the form as typed
        page.get_by_role("button", name="试运行").click()
        assert "按表单中的取值（尚未提交）" in page.locator("#trial").inner_text()


def test_a_reviewer_never_decides_their_own_change_and_another_rejects_it_with_a_reason(browser: Browser, live: Live) -> None:
    with browser.person("reviewer") as page:
        page.goto("/rules/FIN-07/edit")
        page.get_by_label("严重程度").select_option("blocking")
        page.locator("#preview").get_by_text("FIN-07 严重程度: 须整改 → 否决项").wait_for()
        page.get_by_label("标题").fill("FIN-07 改为否决项")
        page.get_by_label("理由（依据的文件、会议或通知）").fill("试行")
        page.get_by_role("button", name="提交修改申请").click()
        page.wait_for_url(re.compile(r"/changes/\d+\?proposed=1$"))
        change = page.url.split("?")[0]
        assert page.get_by_role("button", name="批准并生效").count() == 0 and page.get_by_role("button", name="驳回").count() == 0
        assert "这是你提出的修改" in page.locator("main").inner_text()
        browser.look(page, "server-own-change")
    with browser.person("reviewer2") as other:
        other.goto(change)
        other.get_by_label("驳回理由").fill("否决项须经局务会研究")
        other.get_by_role("button", name="驳回").click()
        other.get_by_text("已驳回").first.wait_for()
        assert "否决项须经局务会研究" in other.locator("main").inner_text()
        other.goto("/rules/FIN-07")
        history = other.get_by_role("table", name="本规则的修改申请").inner_text()
        assert "FIN-07 改为否决项" in history and "已驳回" in history
        assert "标准值 threshold" in other.locator("main").inner_text()  # the number by the vocabulary's word, and its name
        browser.look(other, "server-rule-history")


def test_the_office_reads_the_audit_log_the_ledger_the_overview_the_catalogue_and_the_letter(browser: Browser, live: Live) -> None:
    with browser.person("officer") as page:
        assert page.get_by_role("link", name="总览").count() >= 1  # the office's home page leads to the overview
        browser.look(page, "server-home")
        page.get_by_role("navigation", name="主菜单").get_by_role("link", name="审计日志").click()
        log = page.get_by_role("table", name="审计日志条目").inner_text()
        assert "上传申报" in log and "登录" in log and "officer" in log
        browser.look(page, "server-audit")
        page.goto("/ledger")
        page.get_by_label("区县").select_option("500109")
        page.get_by_label("年度（与上一年比较）").select_option("2013")
        page.get_by_role("button", name="显示台账").click()
        assert page.get_by_role("heading", name=re.compile("北碚区（500109）2012 → 2013")).count() == 1
        assert page.get_by_role("table", name="台账条目").locator("tbody tr").count() >= 1
        browser.look(page, "server-ledger")
        page.goto("/ledger?district=500108&year=2011")
        assert "找不到区县 500108 2010 年的申报" in page.get_by_role("status").inner_text()
        page.goto("/overview")
        assert "义务教育均衡发展督导评估概览" in page.frame_locator("iframe.report-frame").locator("body").inner_text()
        page.goto("/rules?pack=quality")
        assert page.get_by_role("heading", name="经费保障").count() == 1
        browser.look(page, "server-catalogue", full=False)
        page.goto(f"/filings/{live.ids['nanan']}/letter")
        letter = page.get_by_role("article", name="督导意见书正文")
        assert letter.get_by_role("heading", name="关于南岸区义务教育均衡发展督导评估的反馈意见").count() == 1
        assert "#" not in letter.inner_text()
        browser.look(page, "server-letter", full=False)


def test_a_keyboard_logs_in_and_a_narrow_window_reads_the_report_and_the_form(browser: Browser, live: Live) -> None:
    with browser.person(None, viewport=NARROW) as page:
        page.goto("/login")
        page.get_by_label("用户名").fill("officer")
        page.get_by_label("密码").fill("not the password")
        page.get_by_role("button", name="登录", exact=True).click()
        assert "用户名或密码不正确" in page.get_by_role("alert").inner_text()  # said in the form, the name kept
        assert page.get_by_label("用户名").input_value() == "officer"
        browser.look(page, "server-login-failed")
        page.goto("/login")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "跳到正文"  # the skip link comes first
        page.get_by_label("用户名").focus()
        page.keyboard.type("officer")
        page.keyboard.press("Tab")
        page.keyboard.type(PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url(lambda url: "/login" not in url)
        for path, shot in ((f"/filings/{live.ids['nanan']}", "server-report-narrow"), ("/rules/FIN-13/edit", "server-change-narrow"),
                           ("/changes", "server-approvals-narrow")):
            page.goto(path)
            assert _fits(page), f"{path} is wider than a {NARROW['width']} px window"
            browser.look(page, shot, full=False)
