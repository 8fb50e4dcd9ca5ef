"""Broken and hostile filings made from the base filing at test time, beside the committed ones in
``fixtures/invalid/``: deep nesting, entity-style alias bombs, raw control bytes, numbers past every limit, garbage,
and files that only look like workbooks."""

from __future__ import annotations

import io
import json
import random
import zipfile
from collections.abc import Iterator

import yaml

from shared import BASE_FILING

BASE_YAML = BASE_FILING.read_text(encoding="utf-8")
BASE_JSON = json.dumps(yaml.safe_load(BASE_YAML), ensure_ascii=False, indent=1) + "\n"


def _laughs() -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 16)]  # 10**16 values
    return "\n".join(lines) + "\n"


def _not_a_workbook() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "这不是工作簿")
    return out.getvalue()


def texts() -> Iterator[tuple[str, bytes]]:
    """(file name, bytes) of each generated hostile filing."""
    cases: dict[str, str | bytes] = {
        "deep.json": "[" * 10_000 + "]" * 10_000,
        "deep.yaml": "[" * 10_000 + "]" * 10_000,
        "deep-block.yaml": "".join(f"{' ' * i}k:\n" for i in range(3000)),
        "deep-inside.yaml": BASE_YAML.replace("gdp: 1000000", "gdp: " + "[" * 10_000 + "]" * 10_000, 1),
        "laughs.yaml": _laughs(),
        "nul.yaml": BASE_YAML.replace("name: 测试区第一小学", "name: a\x00b", 1),
        "control.json": BASE_JSON.replace('"测试区第一小学"', '"a\x01b"', 1),
        "digits5000.yaml": BASE_YAML.replace("gdp: 1000000", "gdp: " + "9" * 5000, 1),
        "e400.json": BASE_JSON.replace('"gdp": 1000000', '"gdp": -1e400', 1),
        "tag.yaml": BASE_YAML.replace("name: 测试区第一小学", "name: !!python/object/apply:os.system ['id']", 1),
        "garbage.yaml": random.Random(1).randbytes(8192),
        "garbage.json": random.Random(2).randbytes(8192),
        "garbage.xlsx": random.Random(3).randbytes(8192),
        "not-a-workbook.xlsx": _not_a_workbook(),
        "bom-only.json": b"\xef\xbb\xbf",
        "blank.yaml": b" \n\t\n  \r\n",
        "filing.txt": BASE_YAML,
        "no-extension": BASE_YAML,
        "filing.xlsm": BASE_YAML,
        "shape.yaml": "- 1\n- 2\n",
    }
    assert "gdp: 1000000" in BASE_YAML and "name: 测试区第一小学" in BASE_YAML
    for name, content in cases.items():
        yield name, content.encode("utf-8") if isinstance(content, str) else content
