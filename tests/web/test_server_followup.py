"""The supervision loop in the server (issue 15, follow-up.md): the ledger of a district's stored years, the site sample
and its 核查表 for a stored filing, a filled 核查表 uploaded and kept as the verified result — each the same as the CLI
prints for the same files, each in the audit log — and the migration that added the verifications to the store.

The module's bench (``loop``) holds 北碚区 2012 and 2013 (uploaded by the officer), 南岸区 2011 (by its filer), and a
verification of 南岸区 2011 uploaded by the officer. The CLI runs from a folder holding copies of the same files under
the names they were uploaded with, so that its output names them as the server does and is compared whole.
"""

from __future__ import annotations

import io
import re
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from junheng.followup.sample import FORM_COLUMNS, FORM_SHEET
from junheng.web.settings import database_url
from junheng.web.store.database import MIGRATIONS, Database
from junheng.web.store.models import Base
from serverbench import BACKENDS, NANAN, Bench, Postgres, database_for, make_bench
from shared import FIX, FIXTURES, run

BEIBEI_2012 = FIX / "beibei-2012.yaml"
BEIBEI_2013 = FIXTURES / "follow-up" / "beibei-2013.yaml"
SCHOOL = "5001080011"  # 南岸区涂山镇中心小学: 566 pupils, enough books for them as filed (as tests/test_verify.py)
PERSONS = (None, "filer", "filer2", "officer", "reviewer", "admin")


def _filed(field: str, school: str = SCHOOL) -> Any:
    records = yaml.safe_load(NANAN.read_text(encoding="utf-8"))["schools"]
    return next(r for r in records if r["id"] == school)[field]


def _fill(form: bytes, figures: dict[tuple[str, str], object]) -> tuple[bytes, dict[tuple[str, str], int]]:
    """Write 核查数 into the rows of (school, field) of a downloaded form; the filled form's bytes and the row of each."""
    book = openpyxl.load_workbook(io.BytesIO(form))
    rows = {}
    for row in book[FORM_SHEET].iter_rows(min_row=2):
        key = (row[0].value, row[3].value)
        rows[key] = row[0].row
        if key in figures:
            row[5].value = figures[key]
    assert set(figures) <= set(rows), f"the form has no row for {set(figures) - set(rows)}"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), rows


def _form(bench: Bench, filing: int, query: str = "n=30") -> bytes:
    response = bench.client.get(f"/api/filings/{filing}/verification-form.xlsx?{query}", headers=bench.auth("officer"))
    assert response.status_code == 200, response.text
    return response.content


def _send(bench: Bench, filing: int, form: bytes, person: str | None = "officer", name: str = "核查表.xlsx") -> Any:
    return bench.client.post(f"/api/filings/{filing}/verification", files={"file": (name, form)}, headers=bench.auth(person))


def _books_below_the_standard(bench: Bench, filing: int) -> tuple[bytes, int, int]:
    """A form verifying 13,850 books at SCHOOL (24.5 a pupil, below STD-05's 25): (the form, its row, the figure)."""
    verified = 25 * 566 - 300
    form, rows = _fill(_form(bench, filing), {(SCHOOL, "books"): verified})
    return form, rows[(SCHOOL, "books")], verified


def _audit(bench: Bench, action: str) -> list[dict[str, Any]]:
    response = bench.client.get(f"/api/audit?action={action}", headers=bench.auth("officer"))
    assert response.status_code == 200, response.text
    entries: list[dict[str, Any]] = response.json()["entries"]
    return entries


@pytest.fixture(scope="module", params=BACKENDS)
def loop(request: pytest.FixtureRequest, postgres: Postgres | str | None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bench]:
    bench = make_bench(tmp_path_factory.mktemp("loop"), database_for(request.param, postgres))
    for key, person, path in (("beibei2012", "officer", BEIBEI_2012), ("beibei2013", "officer", BEIBEI_2013), ("nanan", "filer", NANAN)):
        response = bench.upload(person, path)
        assert response.status_code == 201, response.text
        bench.ids[key] = response.json()["id"]
    form, _, _ = _books_below_the_standard(bench, bench.ids["nanan"])
    assert _send(bench, bench.ids["nanan"], form).status_code == 201
    yield bench
    bench.client.close()
    bench.wb.close()


@pytest.fixture(scope="module")
def filled(loop: Bench) -> bytes:
    form, _, _ = _books_below_the_standard(loop, loop.ids["nanan"])
    return form


# ---------------------------------------------------------------- who may do what

# (method, path) → status for anonymous, filer (南岸区), filer2 (北碚区), officer, reviewer, admin.
CASES: list[tuple[str, str, tuple[int, ...]]] = [
    ("GET", "/api/districts/500109/ledger?year=2013", (401, 404, 200, 200, 200, 200)),
    ("GET", "/api/districts/500109/ledger/xlsx?year=2013", (401, 404, 200, 200, 200, 200)),
    ("GET", "/api/districts/500109/ledger/html?year=2013", (401, 404, 200, 200, 200, 200)),
    ("GET", "/api/districts/500109/ledger?year=2014", (401, 404, 404, 404, 404, 404)),  # no 2014 filing
    ("GET", "/api/districts/500109/ledger/pdf?year=2013", (401, 404, 404, 404, 404, 404)),  # no such format
    ("GET", "/api/filings/{nanan}/sample", (401, 200, 404, 200, 200, 200)),
    ("GET", "/api/filings/{beibei2012}/sample?n=3&seed=abc", (401, 404, 200, 200, 200, 200)),
    ("GET", "/api/filings/999999/sample", (401, 404, 404, 404, 404, 404)),
    ("GET", "/api/filings/{nanan}/sample?n=0", (401, 422, 422, 422, 422, 422)),
    ("GET", "/api/filings/{nanan}/verification-form.xlsx", (401, 200, 404, 200, 200, 200)),
    ("GET", "/api/filings/{beibei2013}/verification-form.xlsx?n=2", (401, 404, 200, 200, 200, 200)),
    ("GET", "/api/filings/{nanan}/verification", (401, 200, 404, 200, 200, 200)),
    ("GET", "/api/filings/{beibei2012}/verification", (401, 404, 404, 404, 404, 404)),  # none uploaded
    ("POST", "/api/filings/{nanan}/verification", (401, 403, 403, 201, 201, 201)),  # the office's inspectors only
    ("POST", "/api/filings/999999/verification", (401, 403, 403, 404, 404, 404)),
    ("GET", "/api/overview", (401, 200, 200, 200, 200, 200)),
    ("GET", "/api/overview.html?year=2012", (401, 200, 200, 200, 200, 200)),
    ("GET", "/api/overview.xlsx", (401, 200, 200, 200, 200, 200)),
]


@pytest.mark.parametrize(("method", "path", "expected"), CASES, ids=[f"{m} {p}" for m, p, _ in CASES])
def test_every_role_gets_the_status_the_roles_table_gives_on_the_follow_up_routes(loop: Bench, filled: bytes, method: str, path: str,
                                                                                expected: tuple[int, ...]) -> None:
    url = path.format(**loop.ids)
    got = []
    for person in PERSONS:
        if method == "POST":
            response = loop.client.post(url, files={"file": ("核查表.xlsx", filled)}, headers=loop.auth(person))
        else:
            response = loop.client.get(url, headers=loop.auth(person))
        got.append(response.status_code)
        if response.status_code >= 400:
            assert response.json()["error"]["code"], response.text
    assert tuple(got) == expected, dict(zip(PERSONS, got, strict=True))


# ---------------------------------------------------------------- the ledger


def _cli_folder(tmp_path: Path, *paths: Path) -> Path:
    for path in paths:
        shutil.copyfile(path, tmp_path / path.name)
    return tmp_path


def test_the_ledger_is_what_junheng_follow_up_prints_for_the_same_two_files(loop: Bench, tmp_path: Path) -> None:
    response = loop.client.get("/api/districts/500109/ledger?year=2013", headers=loop.auth("filer2"))
    assert response.status_code == 200, response.text
    served = response.json()
    assert served.pop("filings") == {"earlier": loop.ids["beibei2012"], "later": loop.ids["beibei2013"]}
    folder = _cli_folder(tmp_path, BEIBEI_2012, BEIBEI_2013)
    _, out, err = run("follow-up", BEIBEI_2012.name, BEIBEI_2013.name, "--format", "json", cwd=folder)
    assert served == json.loads(out), err
    assert served["summary"] == {"resolved": 1, "partly": 1, "open": 0, "unknown": 0, "new": 1}  # fixtures/follow-up/README.md


def test_a_ledger_without_one_of_its_years_is_404_naming_that_year(loop: Bench) -> None:
    response = loop.client.get("/api/districts/500109/ledger?year=2012", headers=loop.auth("officer"))
    assert response.status_code == 404 and "2011" in response.json()["error"]["message"], response.text
    english = loop.client.get("/api/districts/500108/ledger?year=2012", headers=loop.auth("officer") | {"Accept-Language": "en"})
    assert english.status_code == 404 and "for 2012" in english.json()["error"]["message"], english.text


def test_the_xlsx_ledger_is_the_one_officers_keep_and_viewing_a_ledger_is_on_record(loop: Bench, tmp_path: Path) -> None:
    response = loop.client.get("/api/districts/500109/ledger/xlsx?year=2013", headers=loop.auth("officer"))
    assert response.status_code == 200 and "attachment" in response.headers["content-disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    assert {"整改情况", "整改措施", "责任单位", "完成时限"} <= set(header)
    assert sheet.max_row == 1 + 3  # one row per item: resolved, partly, new
    viewed = _audit(loop, "ledger_viewed")[-1]
    assert viewed["user"] == "officer" and viewed["object"] == "district:500109"
    assert viewed["details"] | {"summary": None} == {"year": 2013, "earlier": loop.ids["beibei2012"], "later": loop.ids["beibei2013"],
                                                    "format": "xlsx", "summary": None}


# ---------------------------------------------------------------- the site sample and its form


@pytest.mark.parametrize("query", ["", "?n=4&seed=2025年抽签"])
def test_the_sample_is_what_junheng_sample_prints_and_the_draw_is_on_record(loop: Bench, tmp_path: Path, query: str) -> None:
    response = loop.client.get(f"/api/filings/{loop.ids['beibei2012']}/sample{query}", headers=loop.auth("officer"))
    assert response.status_code == 200, response.text
    args = ["--schools", "4", "--seed", "2025年抽签"] if query else []
    _, out, err = run("sample", BEIBEI_2012.name, *args, "--format", "json", cwd=_cli_folder(tmp_path, BEIBEI_2012))
    assert response.json() == json.loads(out), err
    drawn = _audit(loop, "sample_drawn")[-1]
    assert drawn["object"] == f"filing:{loop.ids['beibei2012']}" and drawn["details"]["seed"] == response.json()["seed"]
    assert drawn["details"]["drawn"] == [s["id"] for s in response.json()["schools"]]


def test_the_form_opens_with_the_contracts_columns_and_a_row_per_school_and_field(loop: Bench, tmp_path: Path) -> None:
    form = _form(loop, loop.ids["beibei2012"], "n=3&seed=x")
    book = openpyxl.load_workbook(io.BytesIO(form))
    assert book.sheetnames == [FORM_SHEET]
    rows = list(book[FORM_SHEET].iter_rows(values_only=True))
    assert rows[0] == FORM_COLUMNS
    drawn = loop.client.get(f"/api/filings/{loop.ids['beibei2012']}/sample?n=3&seed=x", headers=loop.auth("officer")).json()
    assert list(dict.fromkeys(r[0] for r in rows[1:])) == [s["id"] for s in drawn["schools"]]
    assert all(r[5] is None for r in rows[1:])  # 核查数: for the inspectors
    out = tmp_path / "cli.xlsx"
    run("sample", BEIBEI_2012, "--schools", "3", "--seed", "x", "--format", "xlsx", "--output", out)
    assert rows == list(openpyxl.load_workbook(out)[FORM_SHEET].iter_rows(values_only=True))
    assert _audit(loop, "sample_drawn")[-2]["details"]["format"] == "xlsx"


# ---------------------------------------------------------------- the verification


def test_a_filled_form_is_checked_with_data_06_kept_beside_the_filed_result_and_on_record(loop: Bench, tmp_path: Path) -> None:
    filing = loop.ids["nanan"]
    before = loop.client.get(f"/api/filings/{filing}", headers=loop.auth("filer")).json()
    form, row, verified = _books_below_the_standard(loop, filing)
    response = _send(loop, filing, form, name=r"C:\inspections\nanan 核查表.xlsx")
    assert response.status_code == 201, response.text
    made = response.json()
    assert made["filename"] == "nanan 核查表.xlsx" and made["figures"] == 1 and made["uploaded_by"] == "officer"
    by_rule = {(f["rule"], f["subject"]): f for f in made["result"]["findings"]}
    data06 = by_rule[("DATA-06", f"{SCHOOL}/books")]
    assert data06["observed"] == {"filed": _filed("books"), "verified": verified}
    assert data06["locations"][-1] == {"file": "nanan 核查表.xlsx", "line": row, "column": 6, "pointer": data06["locations"][0]["pointer"],
                                       "cell": f"核查!F{row}"}
    assert by_rule[("STD-05", SCHOOL)]["shortfall"] == {"value": 300, "unit": "册"}  # judged on the verified figure
    folder = _cli_folder(tmp_path, NANAN)
    (folder / "nanan 核查表.xlsx").write_bytes(form)
    _, out, err = run("verify", NANAN.name, "nanan 核查表.xlsx", "--format", "json", cwd=folder)
    assert made["result"] == json.loads(out), err  # what `junheng verify FILING FORM --format json` prints
    assert loop.client.get(f"/api/filings/{filing}/verification", headers=loop.auth("filer")).json() == made
    assert loop.client.get(f"/api/filings/{filing}", headers=loop.auth("filer")).json()["result"] == before["result"]  # untouched
    entry = _audit(loop, "verification_uploaded")[-1]
    assert entry["object"] == f"filing:{filing}" and entry["details"]["verification"] == made["id"]
    assert entry["details"]["differing"] == 1 and entry["details"]["figures"] == 1


@pytest.mark.parametrize(("figure", "said"), [("many", "核查!F{row}"), (-3, "核查!F{row}")])
def test_an_invalid_form_is_422_with_the_cell_and_nothing_is_stored(bench: Bench, figure: object, said: str) -> None:
    filing = bench.upload("filer", NANAN).json()["id"]
    form, rows = _fill(_form(bench, filing), {(SCHOOL, "books"): figure})
    response = _send(bench, filing, form)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_verification"
    assert [p["cell"] for p in error["problems"]] == [said.format(row=rows[(SCHOOL, "books")])]
    assert error["problems"][0]["file"] == "核查表.xlsx"
    assert bench.client.get(f"/api/filings/{filing}/verification", headers=bench.auth("officer")).status_code == 404
    rejected = _audit(bench, "verification_rejected")
    assert [e["details"]["status"] for e in rejected] == [422] and rejected[0]["object"] == f"filing:{filing}"


def test_a_form_that_is_not_a_workbook_or_verifies_nothing_is_422_and_stores_nothing(bench: Bench) -> None:
    filing = bench.upload("filer", NANAN).json()["id"]
    broken = _send(bench, filing, b"not a workbook")
    assert broken.status_code == 422 and broken.json()["error"]["problems"][0]["file"] == "核查表.xlsx", broken.text
    empty = _send(bench, filing, _form(bench, filing))
    assert empty.status_code == 422 and empty.json()["error"]["code"] == "verification_empty", empty.text
    without = bench.client.post(f"/api/filings/{filing}/verification", data={"x": "1"}, headers=bench.auth("officer"))
    assert without.status_code == 422 and without.json()["error"]["problems"][0]["pointer"] == "/file", without.text
    assert bench.client.get(f"/api/filings/{filing}/verification", headers=bench.auth("officer")).status_code == 404
    assert len(_audit(bench, "verification_rejected")) == 2


def test_a_form_over_max_upload_is_413_on_record_and_nothing_is_stored(bench_factory: Any) -> None:
    bench = bench_factory(max_upload=32 * 1024)  # the filing (19 KiB) fits
    filing = bench.upload("filer", NANAN).json()["id"]
    response = _send(bench, filing, b"PK" + b"\0" * 40_000)
    assert response.status_code == 413 and response.json()["error"]["code"] == "too_large", response.text
    assert bench.client.get(f"/api/filings/{filing}/verification", headers=bench.auth("officer")).status_code == 404
    assert [e["details"]["status"] for e in _audit(bench, "verification_rejected")] == [413]


def test_a_form_from_another_filing_is_422(loop: Bench) -> None:
    form = _fill(_form(loop, loop.ids["beibei2012"], "n=2"), {})[0]
    response = _send(loop, loop.ids["nanan"], form)
    assert response.status_code == 422 and response.json()["error"]["problems"][0]["cell"].startswith("核查!A"), response.text


# ---------------------------------------------------------------- the migration


def _config(connection: Any) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


@pytest.mark.parametrize("backend", BACKENDS)
def test_migration_0002_upgrades_a_database_made_by_0001_keeping_its_filings(backend: str, postgres: Postgres | str | None,
                                                                              tmp_path: Path) -> None:
    database = Database(database_url(tmp_path, database_for(backend, postgres)))
    try:
        with database.engine.begin() as connection:
            command.upgrade(_config(connection), "0001")
            assert "verifications" not in inspect(connection).get_table_names()
            connection.execute(text("INSERT INTO filings (district, district_name, year, filename, original, sha256, parsed, uploaded_at, "
                                    "uploaded_by) VALUES ('500108', '南岸区', 2011, 'x.yaml', :b, 'h', '{}', 't', 'u')"), {"b": b"x"})
        head = database.revision()[1]  # 0002, or a later migration on top of it
        assert head is not None and head >= "0002"
        assert database.upgrade() == ("0001", head)
        assert database.upgrade() == (head, head)  # again: nothing to do
        with database.engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
            assert connection.execute(text("SELECT count(*) FROM filings")).scalar() == 1
            assert connection.execute(text("SELECT count(*) FROM verifications")).scalar() == 0
    finally:
        database.dispose()


# ---------------------------------------------------------------- the same on the filing's page


def _form_token(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "the page has no form token"
    return found.group(1)


def test_an_inspector_uploads_the_filled_form_on_the_filings_page_and_reads_data_06_there(loop: Bench) -> None:
    filing = loop.ids["nanan"]
    page = loop.client.get(f"/filings/{filing}", headers=loop.auth("officer"))
    assert page.status_code == 200 and "上传核查表" in page.text
    token = _form_token(page.text)
    # a form whose 核查数 is not a number: shown on the page at its cell, nothing stored
    form, rows, _ = _books_below_the_standard(loop, filing)
    bad, _ = _fill(form, {(SCHOOL, "books"): "一万"})
    before = loop.client.get(f"/api/filings/{filing}/verification", headers=loop.auth("officer")).json()["id"]
    sent = loop.client.post(f"/filings/{filing}/verification", data={"csrf": token}, files={"file": ("核查表.xlsx", bad)},
                            headers=loop.auth("officer"), follow_redirects=False)
    assert sent.status_code == 422 and f"F{rows}" in sent.text and 'role="alert"' in sent.text, sent.text[:2000]
    assert loop.client.get(f"/api/filings/{filing}/verification", headers=loop.auth("officer")).json()["id"] == before
    sent = loop.client.post(f"/filings/{filing}/verification", data={"csrf": token}, files={"file": ("核查表.xlsx", form)},
                            headers=loop.auth("officer"), follow_redirects=False)
    assert sent.status_code == 303, sent.text[:2000]
    shown = loop.client.get(f"/filings/{filing}", headers=loop.auth("officer")).text
    assert "核查数与申报数不符（DATA-06）：<b>1</b>" in shown and "<li>" in shown.split('id="verification"')[1], shown
    assert loop.client.get(f"/api/filings/{filing}/verification", headers=loop.auth("officer")).json()["id"] > before
    # a district's filer reads the result but has no form to upload with
    filer = loop.client.get(f"/filings/{filing}", headers=loop.auth("filer")).text
    assert "实地核查" in filer and "上传核查表" not in filer
