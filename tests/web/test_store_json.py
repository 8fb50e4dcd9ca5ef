"""JSON columns are written by orjson (``store/database._json_text``) and read back by ``json.loads``: what is read is
what ``json.dumps`` would have stored, on both backends, and the audit chain still verifies."""

from __future__ import annotations

import json
from typing import Any

from serverbench import NANAN, Bench
from sqlalchemy import select

from junheng.web import audit
from junheng.web.store.database import _json_text
from junheng.web.store.models import AuditEntry, Filing, Result

ODD: dict[str, Any] = {"整数": 2**62, "负零": -0.0, "大": 1e16, "小": 5e-324, "文字": "南岸区\u2028\"\\", "嵌套": [[], {}, None, True],
                       "分数": 0.1 + 0.2}


def test_what_orjson_writes_reads_back_as_json_dumps_would() -> None:
    for value in (ODD, {1: "int key"}, {"x": [1, 2.5, "三"]}, {"big": 2**70}):
        assert json.loads(_json_text(value)) == json.loads(json.dumps(value))
    assert _json_text({"big": 2**70}) == json.dumps({"big": 2**70})  # beyond orjson: json.dumps, as before
    assert _json_text({"x": 1}) == '{"x":1}'  # orjson's own text otherwise


def test_an_upload_and_an_odd_audit_entry_read_back_whole(bench: Bench) -> None:
    made = bench.upload("officer", NANAN)
    assert made.status_code == 201, made.text
    sent = made.json()
    with bench.wb.db.writing() as session:
        audit.record(session, "test", "odd", "odd", ODD)
    with bench.wb.db.reading() as session:
        filing = session.get(Filing, sent["id"])
        assert filing is not None
        parsed = filing.parsed
        stored = session.scalars(select(Result).where(Result.filing_id == filing.id)).one().result
        odd = session.scalars(select(AuditEntry).where(AuditEntry.action == "odd")).one().details
        chain = audit.verify(audit.all_entries(session))
    assert stored == sent["result"] and stored["district"]["code"] == "500108" and stored["findings"]
    assert parsed["district"]["code"] == "500108" and len(parsed["schools"]) > 1
    assert odd == json.loads(json.dumps(ODD))
    assert chain.broken is None and chain.count >= 2  # the hashes, over what was read back, still hold
