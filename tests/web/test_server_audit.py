"""The audit log: every action on record, each entry chained to the one before by its hash, and ``junheng audit verify``
naming the first entry that was changed or deleted afterwards."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from sqlalchemy import text

from junheng.web import audit
from junheng.web.store.models import AuditEntry
from serverbench import BROKEN_FILING, NANAN, Bench
from shared import run


def _entries(bench: Bench) -> list[dict[str, object]]:
    response = bench.client.get("/api/audit", headers=bench.auth("officer"))
    assert response.status_code == 200, response.text
    entries: list[dict[str, object]] = response.json()["entries"]
    return entries


def test_each_entry_hashes_the_one_before_and_its_own_canonical_json(bench: Bench) -> None:
    bench.upload("filer", NANAN)
    bench.upload("officer", BROKEN_FILING)
    entries = _entries(bench)
    assert [e["seq"] for e in entries] == list(range(1, len(entries) + 1))
    previous = ""
    for entry in entries:
        body = {k: v for k, v in entry.items() if k != "hash"}
        canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        assert entry["hash"] == hashlib.sha256((previous + canonical).encode("utf-8")).hexdigest()
        previous = str(entry["hash"])
    actions = [e["action"] for e in entries]
    assert actions.count("user_added") == 6 and actions.count("token_created") == 6
    assert actions[-2:] == ["upload", "upload_rejected"]
    assert entries[-2]["user"] == "filer" and entries[-2]["object"] == "filing:1"


def test_audit_verify_says_an_intact_chain_is_intact(bench: Bench) -> None:
    bench.upload("filer", NANAN)
    code, stdout, stderr = bench.cli("audit", "verify")
    assert code == 0, stdout + stderr
    last = _entries(bench)[-1]
    assert f"{last['seq']}" in stdout and str(last["hash"]) in stdout


def test_audit_verify_names_the_entry_changed_behind_the_servers_back(bench: Bench) -> None:
    bench.upload("filer", NANAN)
    with bench.wb.db.writing() as session:  # someone edits the log with SQL: the upload was never by the filer
        session.execute(text("""UPDATE audit SET "user" = 'officer' WHERE action = 'upload'"""))
    code, stdout, stderr = bench.cli("audit", "verify")
    seq = next(e["seq"] for e in _entries(bench) if e["action"] == "upload")
    assert code == 1, stdout + stderr
    assert f"第 {seq} 条" in stdout
    code, stdout, _ = bench.cli("audit", "verify", "--lang", "en")
    assert code == 1 and f"entry {seq} " in stdout


def test_audit_verify_names_a_changed_entry_even_when_its_hash_was_made_to_fit(bench: Bench) -> None:
    bench.upload("filer", NANAN)
    with bench.wb.db.writing() as session:
        entry = session.get(AuditEntry, 3)
        assert entry is not None
        previous = session.get(AuditEntry, 2)
        assert previous is not None
        entry.details = {"role": "admin"}
        entry.hash = audit.entry_hash(previous.hash, audit.entry_json(entry, with_hash=False))  # refitted: entry 4 breaks
    code, stdout, stderr = bench.cli("audit", "verify")
    assert code == 1 and "第 4 条" in stdout, stdout + stderr


def test_audit_verify_names_the_gap_a_deleted_entry_leaves(bench: Bench) -> None:
    with bench.wb.db.writing() as session:
        session.execute(text("DELETE FROM audit WHERE seq = 4"))
    code, stdout, stderr = bench.cli("audit", "verify")
    assert code == 1, stdout + stderr
    assert "第 5 条" in stdout and "第 4 条" in stdout


def test_audit_verify_without_a_database_is_exit_2_and_creates_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "nothing"
    code, _, stderr = run("audit", "verify", "--data", folder)
    assert code == 2 and "junheng.db" in stderr
    assert not folder.exists()
