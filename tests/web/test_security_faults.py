"""Faults and races — nothing lost, nothing half-written.

- A real ``junheng serve`` is killed (SIGKILL: no clean-up at all) at random moments (a seeded RNG) while two clients
  upload filings and a reviewer approves a change that writes two rule files, then started again, ten times over; and
  once at each step of writing a change (the journal being written, written, the first file in place, both, the row
  committed). After each restart: the database is intact (``PRAGMA integrity_check``), every filing is whole (its
  bytes match their hash, it has its result and its ``upload`` entry in the audit log, every upload that was answered
  201 is there), the rule files are the old version or the new one and the database says which, nothing temporary is
  left behind, and ``junheng audit verify`` passes.
- Two changes to the same setting made against the same rules: the second is 409, never a silent overwrite; two
  reviewers approving one change at once apply it once.
- A backup made while the server runs, the data folder destroyed, the backup put in its place: the same filings, the
  same rules, the same audit chain (count and last hash) — and a changed entry in it is found.
"""

from __future__ import annotations

import hashlib
import random
import re
import shutil
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from hostile import tally
from hostile.process import Server, prepare
from junheng.web.ruleset import rules_version
from junheng.web.service.changes import JOURNAL
from junheng.web.settings import Settings
from junheng.web.store.database import Database
from junheng.web.store.models import AuditEntry, Change, Filing, Result
from serverbench import NANAN, Bench
from shared import run

SEED = 17
KILLS = 10
PAUSE = "0.02"  # seconds the server waits at each step of writing a change (JUNHENG_FAULT_PAUSE): room for a kill to land
PEOPLE = {"filer": ("filer", "500108"), "officer": ("officer", None), "reviewer": ("reviewer", None), "reviewer2": ("reviewer", None)}


def _edits(i: int) -> list[dict[str, Any]]:
    """Change number ``i``: FIN-13's share (funding.yaml) and STD-01's title (schools.yaml) — two files, so a half-done
    write would show as one changed and the other not."""
    return [{"rule": "FIN-13", "param": "threshold", "value": round(0.70 + 0.01 * (i + 1), 2)},
            {"rule": "STD-01", "field": "title", "zh": f"班额不超过标准（第 {i} 次修订）"}]


def _has(rules: Path, edits: list[dict[str, Any]]) -> tuple[bool, bool]:
    """Whether each of the two files holds its edit's value."""
    funding = (rules / "funding.yaml").read_text(encoding="utf-8")
    fin13 = funding[funding.index("id: FIN-13"):]
    value = f"{edits[0]['value']:.2f}"
    return (re.search(rf"threshold: {re.escape(value)}\b", fin13[:fin13.index("- id:")]) is not None,
            edits[1]["zh"] in (rules / "schools.yaml").read_text(encoding="utf-8"))


def _snapshot(rules: Path) -> dict[str, bytes]:
    return {p.relative_to(rules).as_posix(): p.read_bytes() for p in sorted(rules.rglob("*")) if p.is_file()}


class _Pump(threading.Thread):
    """Uploads 南岸区's filing over and over until told to stop (or the server dies); the ids answered 201."""

    def __init__(self, server: Server, token: str):
        super().__init__(daemon=True)
        self.server, self.token = server, token
        self.acked: list[int] = []
        self.stop = threading.Event()

    def run(self) -> None:
        try:
            with self.server.client(self.token, timeout=10) as client:
                while not self.stop.is_set():
                    response = client.post("/api/filings", files={"file": ("nanan-2011.yaml", NANAN.read_bytes())})
                    assert response.status_code == 201, response.text
                    self.acked.append(response.json()["id"])
        except httpx.TransportError:
            return  # killed


def _approve(server: Server, token: str, change: int, answers: list[int]) -> None:
    try:
        with server.client(token, timeout=30) as client:
            answers.append(client.post(f"/api/changes/{change}/approve").status_code)
    except httpx.TransportError:
        answers.append(0)


def _consistent(data: Path, acked: list[int], change: int | None, edits: list[dict[str, Any]], before: dict[str, bytes]) -> str:
    """Check everything the module's docstring promises after a restart; the change's state (``applied``/``pending``)."""
    database = Database(Settings(data=data).url)
    try:
        assert database.integrity() == "ok"
        with database.reading() as session:
            whole = {f.id: hashlib.sha256(f.original).hexdigest() == f.sha256 for f in session.query(Filing)}
            results = {r.filing_id for r in session.query(Result)}
            uploads = {e.object for e in session.query(AuditEntry).filter_by(action="upload")}
            row = session.get(Change, change) if change is not None else None
            status, applied = (row.status, row.applied_version) if row is not None else ("none", None)
            approvals = session.query(AuditEntry).filter_by(action="change_approved", object=f"change:{change}").count()
        for fid, intact in whole.items():
            assert intact and fid in results, fid
        assert uploads == {f"filing:{fid}" for fid in whole}  # each filing has its audit entry, and each entry its filing
        assert set(acked) <= set(whole), sorted(set(acked) - set(whole))  # nothing answered 201 was lost
    finally:
        database.dispose()
    rules = data / "rules"
    assert not (data / JOURNAL).exists() and not list(data.glob(".rules-*")) and not list(rules.rglob("*.tmp"))
    if change is not None:
        has = _has(rules, edits)
        if status == "applied":
            assert has == (True, True) and approvals == 1 and rules_version([rules]) == applied, (has, approvals)
        else:
            assert status == "pending" and approvals == 0 and _snapshot(rules) == before, (status, has)
    code, out, err = run("audit", "verify", "--data", data)
    assert code == 0, out + err
    return status


@pytest.fixture
def data(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    folder = tmp_path / "data"
    return folder, prepare(folder, PEOPLE)


def _propose(server: Server, token: str, i: int) -> int:
    with server.client(token) as client:
        made = client.post("/api/changes", json={"title": f"修订 {i}", "reason": "故障测试", "edits": _edits(i)})
    assert made.status_code == 201, made.text
    change: int = made.json()["id"]
    return change


def _round(server: Server, tokens: dict[str, str], rng: random.Random, i: int) -> tuple[int, list[int]]:
    """Two clients uploading, a change proposed, its approval under way, and a SIGKILL at a random moment: the change's
    id and the ids the uploads were answered with."""
    pumps = [_Pump(server, tokens["filer"]) for _ in range(2)]
    for pump in pumps:
        pump.start()
    change = _propose(server, tokens["officer"], i)
    approval = threading.Thread(target=_approve, args=(server, tokens["reviewer"], change, []), daemon=True)
    time.sleep(rng.uniform(0.0, 0.3))  # uploads alone, then with an approval under way (it holds the rules meanwhile)
    approval.start()
    time.sleep(rng.uniform(0.0, 1.0))  # an approval takes most of a second: compiling the rules, then the pauses
    server.kill()
    acked: list[int] = []
    for pump in pumps:
        pump.stop.set()
        pump.join(10)
        acked += pump.acked
    approval.join(10)
    return change, acked


def test_killing_the_server_at_random_moments_loses_nothing_and_mixes_no_rule_files(data: tuple[Path, dict[str, str]]) -> None:
    folder, tokens = data
    rng = random.Random(SEED)
    server = Server(folder, env={"JUNHENG_FAULT_PAUSE": PAUSE})
    acked: list[int] = []
    outcomes: list[str] = []
    change: int | None = None
    edits, before = _edits(0), _snapshot(folder / "rules")
    started = time.monotonic()
    try:
        for i in range(KILLS + 1):
            server.start()
            if i:
                kept = False
                try:
                    outcomes.append(_consistent(folder, acked, change, edits, before))
                    kept = True
                finally:
                    tally.fault(kept)
            if i < KILLS:
                before, edits = _snapshot(folder / "rules"), _edits(i + 1)
                change, more = _round(server, tokens, rng, i + 1)
                acked += more
    finally:
        server.stop()
    assert len(acked) >= KILLS, len(acked)  # the uploads were under way when the kills came
    assert time.monotonic() - started < 120  # about 30 s on two idle cores: bounded, whatever else the machine does
    tally.note("kills_applied", outcomes.count("applied"))


STAGES = ("staging the journal", "the journal in place", "the first file written", "both files written", "the row committed")


def _stage(folder: Path, edits: list[dict[str, Any]], stage: str) -> bool:
    rules = folder / "rules"
    if stage == "staging the journal":
        return any(p.is_dir() for p in folder.glob(f"{JOURNAL}-*"))
    if stage == "the journal in place":
        return (folder / JOURNAL).is_dir()
    has = _has(rules, edits)
    if stage == "the first file written":
        return any(has)
    if stage == "both files written":
        return all(has)
    database = Database(Settings(data=folder).url)
    try:
        with database.reading() as session:
            return session.query(AuditEntry).filter_by(action="change_approved").count() > 0 and (folder / JOURNAL).is_dir()
    finally:
        database.dispose()


@pytest.mark.parametrize("stage", STAGES)
def test_killing_the_server_at_each_step_of_writing_a_change_leaves_the_old_rules_or_the_new(data: tuple[Path, dict[str, str]],
                                                                                              stage: str) -> None:
    folder, tokens = data
    server = Server(folder, env={"JUNHENG_FAULT_PAUSE": "0.25"})
    try:
        server.start()
        before, edits = _snapshot(folder / "rules"), _edits(1)
        change = _propose(server, tokens["officer"], 1)
        approval = threading.Thread(target=_approve, args=(server, tokens["reviewer"], change, []), daemon=True)
        approval.start()
        deadline = time.monotonic() + 20
        while not _stage(folder, edits, stage):
            assert time.monotonic() < deadline, f"never saw {stage}"
            time.sleep(0.01)
        server.kill()
        approval.join(10)
        server.start()
        status = _consistent(folder, [], change, edits, before)
        tally.fault(True)
        assert status == ("applied" if stage == "the row committed" else "pending"), status
        recovered = [line for line in server.lines() if "the last run stopped" in line or "上次运行" in line]
        assert stage == "staging the journal" or recovered, server.lines()[:5]  # the start said what it did
        if stage in ("both files written", "the row committed"):  # a change rolled back can still be approved: then it is whole
            with server.client(tokens["reviewer2"]) as client:
                again = client.post(f"/api/changes/{change}/approve")
            assert again.status_code == (409 if stage == "the row committed" else 200), again.text
            assert _has(folder / "rules", edits) == (True, True)
    finally:
        server.stop()


# ---------------------------------------------------------------- races, in the process (both backends)


def _proposed(bench: Bench, person: str, title: str, edits: list[dict[str, Any]]) -> dict[str, Any]:
    response = bench.client.post("/api/changes", headers=bench.auth(person), json={"title": title, "reason": "并发", "edits": edits})
    assert response.status_code == 201, response.text
    made: dict[str, Any] = response.json()
    return made


def test_two_changes_of_the_same_setting_the_second_is_409_never_a_silent_overwrite(bench: Bench) -> None:
    first = _proposed(bench, "officer", "75%", [{"rule": "FIN-13", "param": "threshold", "value": 0.75}])
    second = _proposed(bench, "admin", "80%", [{"rule": "FIN-13", "param": "threshold", "value": 0.80}])
    other = _proposed(bench, "officer", "STD-01", [{"rule": "STD-01", "severity": "blocking"}])
    assert first["based_on"] == second["based_on"] == other["based_on"]
    assert bench.client.post(f"/api/changes/{first['id']}/approve", headers=bench.auth("reviewer")).status_code == 200
    refused = bench.client.post(f"/api/changes/{second['id']}/approve", headers=bench.auth("reviewer"))
    tally.attack(refused.status_code == 409)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "change_outdated", refused.text
    assert all(s in refused.json()["error"]["message"] for s in ("FIN-13", "70%", "75%")), refused.text
    text = (bench.data / "rules" / "funding.yaml").read_text(encoding="utf-8")
    assert "threshold: 0.75" in text and "threshold: 0.80" not in text  # the first decision stands
    assert bench.client.get(f"/api/changes/{second['id']}", headers=bench.auth("officer")).json()["status"] == "pending"
    assert bench.client.post(f"/api/changes/{other['id']}/approve", headers=bench.auth("reviewer")).status_code == 200  # another setting


def _race(bench: Bench, change: int) -> list[int]:
    """Two reviewers press approve at the same moment, each from a client of their own."""
    from serverbench import TestClient  # here: a client per reviewer, each in its own thread

    barrier, answers = threading.Barrier(2), []

    def approve(person: str) -> None:
        with TestClient(bench.client.app) as client:
            barrier.wait(10)
            answers.append(client.post(f"/api/changes/{change}/approve", headers=bench.auth(person)).status_code)
    threads = [threading.Thread(target=approve, args=(p,)) for p in ("reviewer", "reviewer2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return answers


def test_two_reviewers_approving_one_change_at_once_apply_it_once(bench: Bench) -> None:
    for round_ in range(2):
        change = _proposed(bench, "officer", f"第 {round_} 轮", _edits(round_))
        before = (bench.data / "rules" / "funding.yaml").read_bytes()
        answers = _race(bench, change["id"])
        once = sorted(answers) == [200, 409]
        tally.attack(once)
        assert once, answers
        entries = bench.client.get("/api/audit?action=change_approved", headers=bench.auth("officer")).json()["entries"]
        assert [e["object"] for e in entries].count(f"change:{change['id']}") == 1
        assert (bench.data / "rules" / "funding.yaml").read_bytes() != before and _has(bench.data / "rules", _edits(round_)) == (True, True)
    assert bench.cli("audit", "verify")[0] == 0


# ---------------------------------------------------------------- backup and restore


def _audit_line(data: Path) -> tuple[int, str]:
    code, out, err = run("audit", "verify", "--lang", "en", "--data", data)
    assert code == 0, out + err
    found = re.search(r"(\d+) entries, last hash ([0-9a-f]{64})", out)
    assert found, out
    return int(found.group(1)), found.group(2)


def test_a_backup_taken_while_serving_restores_the_same_filings_rules_and_audit_chain(data: tuple[Path, dict[str, str]],
                                                                                     tmp_path: Path) -> None:
    folder, tokens = data
    server = Server(folder).start()
    try:
        with server.client(tokens["filer"]) as client:
            ids = [client.post("/api/filings", files={"file": ("nanan-2011.yaml", NANAN.read_bytes())}).json()["id"] for _ in range(3)]
        change = _propose(server, tokens["officer"], 5)
        with server.client(tokens["reviewer"]) as client:
            assert client.post(f"/api/changes/{change}/approve").status_code == 200
        pump = _Pump(server, tokens["filer"])
        pump.start()  # the office keeps working while the backup is made
        backup = tmp_path / "backup"
        code, out, err = run("db", "backup", backup, "--lang", "en", "--data", folder)
        pump.stop.set()
        pump.join(10)
        assert code == 0, out + err
        with server.client(tokens["officer"]) as client:
            listed = client.get("/api/filings").json()["filings"]
    finally:
        server.stop()
    count, last = _audit_line(backup)
    assert f"{count} entries, last hash {last}" in out  # the backup says what to note beside it
    shutil.rmtree(folder)  # the disaster
    shutil.copytree(backup, folder)  # the restore: the backup is a data folder
    server = Server(folder).start()
    try:
        with server.client(tokens["officer"]) as client:
            restored = client.get("/api/filings").json()["filings"]
            rules = client.get("/api/rules").json()["rules_version"]
            for fid in ids:
                assert client.get(f"/api/filings/{fid}/original").content == NANAN.read_bytes()
    finally:
        server.stop()
    assert {f["id"] for f in restored} >= set(ids) and {f["id"] for f in restored} <= {f["id"] for f in listed} | set(pump.acked)
    assert rules == rules_version([folder / "rules"]) and _has(folder / "rules", _edits(5)) == (True, True)
    assert _audit_line(folder)[0] >= count  # the chain goes on from the backup (the restart adds nothing to it)
    tally.fault(True)
    database = Database(Settings(data=folder).url)
    try:
        with database.writing() as session:
            entry = session.get(AuditEntry, 2)
            assert entry is not None
            entry.details = {**entry.details, "role": "admin"}  # someone edits the log behind the server's back
    finally:
        database.dispose()
    code, out, _ = run("audit", "verify", "--lang", "en", "--data", folder)
    tally.attack(code == 1)
    assert code == 1 and "entry 2" in out, out



def test_db_backup_refuses_what_it_cannot_do_whole(tmp_path: Path) -> None:
    code, _, err = run("db", "backup", tmp_path / "b", "--data", tmp_path / "none")
    assert code == 2 and "junheng.db" in err  # no database: nothing made up
    code, _, err = run("db", "backup", tmp_path / "b", "--db", "postgresql://junheng@localhost/junheng", "--data", tmp_path / "d")
    assert code == 2 and "pg_dump" in err
    data = tmp_path / "data"
    prepare(data, {"officer": ("officer", None)})
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("kept")
    code, _, err = run("db", "backup", tmp_path / "full", "--data", data)
    assert code == 2 and (tmp_path / "full" / "x").read_text() == "kept"  # never into a folder that holds something
