"""The published JSON Schema of the filing, generated from the models (one source of truth).

The committed copy is ``engine/junheng/schemas/filing.schema.json``; a test fails when
it drifts from the models. Regenerate it with
``junheng schema > engine/junheng/schemas/filing.schema.json`` (or ``write_schema()``).

JSON Schema cannot say everything the models check; where it cannot, the
models are the stricter of the two, never the looser:
- a count given as ``1180.0`` is an integer to both, but JSON Schema cannot
  see an unquoted ``1e5`` or ``0x1F`` in a code or id, nor leading zeros;
- ``NaN``/``inf`` (YAML's ``.nan``/``.inf``) do not exist in JSON;
- ``null`` and ``{}`` on an optional field are accepted by both.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from junheng.filing.model import Filing

__all__ = ["SCHEMA_ID", "SCHEMA_PATH", "filing_json_schema", "schema_text", "write_schema"]

SCHEMA_ID = "https://junheng.invalid/schemas/filing.schema.json"  # a placeholder: nothing is fetched
SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schemas" / "filing.schema.json"


def filing_json_schema() -> dict[str, Any]:
    """The filing's JSON Schema (draft 2020-12), as a dict."""
    schema = Filing.model_json_schema(mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        **schema,
        "title": "区县义务教育均衡发展申报数据 (junheng filing, version 1)",
    }


def schema_text() -> str:
    """The schema as committed: keys sorted, 2-space indent, UTF-8 unescaped, final newline."""
    return json.dumps(filing_json_schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def write_schema(path: str | Path = SCHEMA_PATH) -> Path:
    """Write the schema to ``path`` (the committed copy by default) and return the path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(schema_text(), encoding="utf-8", newline="\n")
    return target
