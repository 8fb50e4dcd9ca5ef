"""Hostile and broken filings: each is refused (exit 2) by `validate` and by `check`, with a message
that names the file and the line, no traceback, within seconds and in bounded memory — or, where
the input is odd but valid (-0, a 10 MB name, merge keys, an escaped control character), accepted.

The fixtures in fixtures/invalid/ are checked by `validate` in test_fixtures_validate.py; here they
also go through `check`, with the time and memory bounds. Large files are generated at test time.
Last, random byte damage to a filing is checked or refused with located errors, never a crash.
"""

from __future__ import annotations

import json
import random
import re
import time
import tracemalloc
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from junheng.check.run import check_source
from junheng.cli.main import junheng
from junheng.errors import InputErrors
from junheng.filing.read import read_filing as load_and_validate
from junheng.located.read import MAX_BYTES, load_document
from shared import BASE_FILING, INVALID, explain, shipped_policy

BASE_YAML = BASE_FILING.read_text(encoding="utf-8")
BASE_JSON = json.dumps(yaml.safe_load(BASE_YAML), ensure_ascii=False, indent=1) + "\n"
CASES = {c["file"]: c for c in yaml.safe_load((INVALID / "cases.yaml").read_text(encoding="utf-8"))}
SECONDS = 5.0  # every case, even a 30 MB file, is decided well within this


def _run(*args) -> tuple:
    """Run the CLI in this process: (result, seconds, peak bytes Python allocated meanwhile).

    Memory is traced for `validate` only: `check` loads each filing in a worker process, out of
    tracemalloc's sight (and tracing its compile and fork would only slow the test down)."""
    traced = args[0] == "validate"
    if traced:
        tracemalloc.start()
    started = time.perf_counter()
    try:
        result = CliRunner().invoke(junheng, [str(a) for a in args])
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] if traced else 0
    finally:
        if traced:
            tracemalloc.stop()
    return result, elapsed, peak


def _memory_bound(path: Path) -> int:
    size = path.stat().st_size if path.is_file() else 0
    return 16 * 2**20 + 8 * size


def assert_refused(path: Path, *, located: bool = True) -> None:
    """`validate` and `check` both exit 2, name the file (and a line), print no traceback, quickly, in bounded memory."""
    where = re.escape(str(path)) + (r":\d+(:\d+)?: " if located else r"(:\d+(:\d+)?)?: ")
    for command in ("validate", "check"):
        result, elapsed, peak = _run(command, path)
        printed = result.stdout + result.stderr
        assert result.exit_code == 2, f"{command} {path.name}\n{explain(result, limit=3000)}"
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
        assert "Traceback" not in printed, printed
        assert re.search(where, result.stderr), f"{command}: no '{where}' message\n{explain(result, limit=3000)}"
        assert elapsed < SECONDS, f"{command} {path.name} took {elapsed:.1f} s"
        if command == "validate":
            assert peak < _memory_bound(path), f"{command} {path.name}: {peak / 2**20:.0f} MiB"


def assert_accepted(path: Path) -> None:
    """Valid: `validate` exits 0 and `check` 0 or 1 (findings), quickly, without a traceback."""
    for command, statuses in (("validate", (0,)), ("check", (0, 1))):
        result, elapsed, peak = _run(command, path)
        assert result.exit_code in statuses, f"{command} {path.name}\n{explain(result, limit=3000)}"
        assert "Traceback" not in result.stdout + result.stderr
        assert elapsed < SECONDS, f"{command} {path.name} took {elapsed:.1f} s"
        if command == "validate":
            assert peak < _memory_bound(path), f"{command} {path.name}: {peak / 2**20:.0f} MiB"


def _write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def _first_error(path: Path):
    with pytest.raises(InputErrors) as caught:
        load_and_validate(path)
    return caught.value.errors[0]


# ---------------------------------------------------------------- truncated files


@pytest.mark.parametrize("fraction", [0.02, 0.1, 0.33, 0.5, 0.77, 0.95, 0.999])
def test_a_json_filing_cut_short_is_a_located_syntax_error(tmp_path, fraction):
    data = BASE_JSON.encode("utf-8")
    path = _write(tmp_path, "cut.json", data[: int(len(data) * fraction)])
    assert_refused(path)


def test_a_filing_cut_inside_a_multibyte_character_is_a_located_encoding_error(tmp_path):
    for name, text in (("cut.json", BASE_JSON), ("cut.yaml", BASE_YAML)):
        data = text.encode("utf-8")
        cut = data.index("测试区第一小学".encode("utf-8")) + 1  # one byte into 测
        path = _write(tmp_path, name, data[:cut])
        assert _first_error(path).code == "filing_encoding_error"
        assert_refused(path)


@pytest.mark.parametrize("fraction", [0.05, 0.2, 0.4, 0.6, 0.8, 0.97])
def test_a_yaml_filing_cut_short_is_refused_with_a_location_or_is_still_a_valid_filing(tmp_path, fraction):
    """YAML has no closing brackets: a cut at a line end can leave a valid (smaller) filing."""
    data = BASE_YAML.encode("utf-8")
    path = _write(tmp_path, "cut.yaml", data[: int(len(data) * fraction)])
    try:
        load_and_validate(path)
    except InputErrors as caught:
        assert_refused(path, located=caught.errors[0].code != "filing_empty")  # only comments left: empty
    else:
        assert_accepted(path)


# ---------------------------------------------------------------- nesting, numbers, sizes


@pytest.mark.parametrize("name,content", [
    ("deep.json", "[" * 10_000 + "]" * 10_000),
    ("deep-open.json", "[" * 10_000),
    ("deep-inside.json", BASE_JSON.replace('"gdp": 1000000', '"gdp": ' + "[" * 10_000 + "]" * 10_000, 1)),
    ("deep.yaml", "[" * 10_000 + "]" * 10_000),
    ("deep-block.yaml", "".join(f"{' ' * i}k:\n" for i in range(3000))),
    ("deep-inside.yaml", BASE_YAML.replace("gdp: 1000000", "gdp: " + "[" * 10_000 + "]" * 10_000, 1)),
])
def test_ten_thousand_levels_of_nesting_are_a_located_error_not_a_recursion_crash(tmp_path, name, content):
    assert_refused(_write(tmp_path, name, content))


@pytest.mark.parametrize("name,old,new", [
    ("e400.yaml", "gdp: 1000000", "gdp: 1e400"),
    ("minus-e400.yaml", "gdp: 1000000", "gdp: -1e400"),
    ("e400-count.yaml", "books: 27000", "books: 1e400"),
    ("e400.json", '"gdp": 1000000', '"gdp": -1e400'),
    ("digits100.yaml", "gdp: 1000000", "gdp: " + "9" * 100),
    ("digits100.json", '"gdp": 1000000', '"gdp": ' + "9" * 100),
    ("digits5000.yaml", "gdp: 1000000", "gdp: " + "9" * 5000),
    ("digits5000.json", '"gdp": 1000000', '"gdp": ' + "9" * 5000),
    ("digits5000-id.yaml", "id: P1", "id: " + "1" * 5000),
    ("digits5000-float.json", '"gdp": 1000000', '"gdp": ' + "9" * 5000 + ".5"),
    ("hex-huge.yaml", "gdp: 1000000", "gdp: 0x" + "f" * 5000),
])
def test_numbers_beyond_every_limit_are_located_errors(tmp_path, name, old, new):
    base = BASE_JSON if name.endswith(".json") else BASE_YAML
    assert old in base
    path = _write(tmp_path, name, base.replace(old, new, 1))
    error = _first_error(path)
    assert error.line is not None and error.pointer.startswith(("/finance/gdp", "/schools/0")), error.render("en")
    assert len(error.en) < 200 and len(error.zh) < 200, error.render("en")  # thousands of digits are not repeated
    assert_refused(path)


@pytest.mark.parametrize("name,old,new", [
    ("minus-zero.yaml", "gdp: 1000000", "gdp: -0"),
    ("minus-zero-float.yaml", "gdp: 1000000", "gdp: -0.0"),
    ("minus-zero-count.yaml", "books: 27000", "books: -0"),
    ("minus-zero-rate.yaml", "junior_retention_rate: 0.98", "junior_retention_rate: -0.0"),
    ("minus-zero.json", '"gdp": 1000000', '"gdp": -0'),
    ("minus-zero-float.json", '"gdp": 1000000', '"gdp": -0.0'),
    ("minus-zero-count.json", '"books": 27000', '"books": -0'),
])
def test_minus_zero_is_zero_and_accepted_wherever_a_number_is(tmp_path, name, old, new):
    base = BASE_JSON if name.endswith(".json") else BASE_YAML
    assert old in base
    path = _write(tmp_path, name, base.replace(old, new, 1))
    _, filing = load_and_validate(path)
    value = filing.finance.gdp if "gdp" in old else filing.schools[0].books if "books" in old else filing.equity.junior_retention_rate
    assert value == 0
    assert_accepted(path)


@pytest.mark.parametrize("name,old,new", [
    ("minus-zero-id.yaml", "id: P1", "id: -0"),
    ("minus-zero-id.json", '"id": "P1"', '"id": -0'),
])
def test_minus_zero_as_a_school_id_is_refused_alike_in_yaml_and_json(tmp_path, name, old, new):
    """An unquoted integer id is read as the characters written: `-0` is not `0`, in JSON as in YAML."""
    base = BASE_JSON if name.endswith(".json") else BASE_YAML
    assert old in base
    path = _write(tmp_path, name, base.replace(old, new, 1))
    error = _first_error(path)
    assert (error.pointer, error.line) == ("/schools/0/id", base[: base.index(old)].count("\n") + 1), error.render("en")
    assert "-0" in error.en
    assert_refused(path)


def _every_number(node, value):
    """`node` with every number in it (counts, money, rates aside) set by `value(key, old)`."""
    if isinstance(node, dict):
        return {k: (value(k, v) if isinstance(v, (int, float)) and not isinstance(v, bool) else _every_number(v, value))
                for k, v in node.items()}
    if isinstance(node, list):
        return [_every_number(v, value) for v in node]
    return node


@pytest.mark.parametrize("extreme", ["largest", "smallest"])
def test_every_figure_at_the_edge_of_the_schema_is_checked_not_an_internal_error(tmp_path, extreme):
    """1e15 students in a school, a per-student gap of 1e15 元: shortfalls of 1e26 万元 and more."""
    data = yaml.safe_load(BASE_YAML)
    keep = {"schema_version", "year", "junior_retention_rate", "disabled_enrollment_rate"}
    if extreme == "largest":
        data = _every_number(data, lambda k, v: v if k in keep else 1 if k in ("current", "classes") else 10**15)
    else:
        data = _every_number(data, lambda k, v: v if k in keep else 1 if k in ("students", "classes", "previous") else 0)
    path = _write(tmp_path, f"{extreme}.json", json.dumps(data))
    for fmt in ("json", "text"):
        result, elapsed, _ = _run("check", path, "--format", fmt, "--lang", "en")
        assert result.exit_code in (0, 1), explain(result, limit=3000)
        assert "Traceback" not in result.stdout + result.stderr and elapsed < SECONDS


def test_a_ten_megabyte_school_name_is_accepted_quickly_in_bounded_memory(tmp_path):
    name = "校" * 10 + "a" * (10 * 2**20)
    text = BASE_YAML.replace("name: 测试区第一小学", f"name: {name}", 1).replace("books: 27000", "books: 100", 1)
    path = _write(tmp_path, "long-name.yaml", text)
    assert path.stat().st_size < MAX_BYTES
    assert_accepted(path)
    result, elapsed, _ = _run("check", path, "--format", "json")
    assert result.exit_code == 0 and elapsed < SECONDS, explain(result, limit=3000)
    books = [f for f in json.loads(result.stdout)["findings"] if f["rule"] == "STD-05"]  # at the long-named school
    assert any(name in f["message"] for f in books)


def test_a_thirty_megabyte_file_is_refused_as_too_large_without_being_read(tmp_path):
    path = tmp_path / "huge.yaml"
    with path.open("wb") as stream:
        stream.write(BASE_YAML.encode("utf-8"))
        stream.truncate(30 * 2**20)  # sparse: nothing to read in it would fit the limit anyway
    result, elapsed, peak = _run("validate", path, "--lang", "en")
    assert result.exit_code == 2 and "too large" in result.stderr, explain(result, limit=3000)
    assert elapsed < 1.0 and peak < 2**20, (elapsed, peak)  # refused from its size, before any read
    assert_refused(path, located=False)


# ---------------------------------------------------------------- characters and encodings


@pytest.mark.parametrize("name,content", [
    ("control.yaml", BASE_YAML.replace("name: 测试区第一小学", "name: a\x01b", 1)),
    ("control-quoted.yaml", BASE_YAML.replace("name: 测试区第一小学", 'name: "a\x1bb"', 1)),
    ("delete.yaml", BASE_YAML.replace("name: 测试区第一小学", "name: a\x7fb", 1)),
    ("c1-control.yaml", BASE_YAML.replace("name: 测试区第一小学", "name: a\x9bb", 1)),
    ("control.json", BASE_JSON.replace('"测试区第一小学"', '"a\x01b"', 1)),
    ("nul.yaml", BASE_YAML.replace("name: 测试区第一小学", "name: a\x00b", 1)),
    ("nul.json", BASE_JSON.replace('"测试区第一小学"', '"a\x00b"', 1)),
    ("nul-between.json", BASE_JSON.replace('"finance"', '\x00"finance"', 1)),
    ("nul-end.yaml", BASE_YAML + "\x00"),
])
def test_raw_control_characters_and_nul_bytes_are_located_errors(tmp_path, name, content):
    path = _write(tmp_path, name, content)
    error = _first_error(path)
    assert error.line is not None and error.line > 1, error.render("en")
    assert_refused(path)


@pytest.mark.parametrize("name,old,new", [
    ("escaped-control.yaml", "name: 测试区第一小学", 'name: "a\\x01\\0b"'),
    ("escaped-control.json", '"测试区第一小学"', '"a\\u0001\\u0000\\u001b[31mb"'),
    ("surrogate-pair.json", '"测试区第一小学"', '"\\ud83c\\udfeb"'),
])
def test_escaped_control_characters_and_a_proper_surrogate_pair_are_valid_text(tmp_path, name, old, new):
    base = BASE_JSON if name.endswith(".json") else BASE_YAML
    path = _write(tmp_path, name, base.replace(old, new, 1))
    assert_accepted(path)


@pytest.mark.parametrize("name,old,new,pointer", [
    ("lone-high.json", '"测试区第一小学"', '"\\ud800"', "/schools/0/name"),
    ("lone-low.json", '"测试区第一小学"', '"x\\udc00y"', "/schools/0/name"),
    ("reversed-pair.json", '"测试区第一小学"', '"\\ude00\\ud83d"', "/schools/0/name"),
    ("lone-in-key.json", '"name": "测试区第一小学"', '"\\ud800": "测试区第一小学"', "/schools/0"),
    ("lone-in-district.json", '"测试区"', '"\\udbff"', "/district/name"),
])
def test_a_lone_surrogate_in_a_json_string_is_a_located_encoding_error(tmp_path, name, old, new, pointer):
    assert old in BASE_JSON
    path = _write(tmp_path, name, BASE_JSON.replace(old, new, 1))
    error = _first_error(path)
    assert (error.code, error.pointer) == ("filing_encoding_error", pointer), error.render("en")
    assert error.line == BASE_JSON[: BASE_JSON.index(old)].count("\n") + 1
    assert_refused(path)


def test_an_escaped_backslash_before_u_d800_is_plain_text_not_a_surrogate(tmp_path):
    path = _write(tmp_path, "backslash.json", BASE_JSON.replace('"测试区第一小学"', '"a\\\\ud800"', 1))
    assert load_and_validate(path)[1].schools[0].name == "a\\ud800"


@pytest.mark.parametrize("name,content", [
    ("gbk-line.yaml", BASE_YAML.encode("utf-8").replace("测试区第一小学".encode("utf-8"), "测试区第一小学".encode("gbk"), 1)),
    ("gbk-line.json", BASE_JSON.encode("utf-8").replace("测试区第一小学".encode("utf-8"), "测试区第一小学".encode("gbk"), 1)),
    ("utf16.yaml", BASE_YAML.encode("utf-16")),
    ("utf16.json", BASE_JSON.encode("utf-16")),
    ("utf16-no-bom.yaml", BASE_YAML.encode("utf-16-le")),
    ("latin1-byte.yaml", BASE_YAML.encode("utf-8").replace("测试区第一小学".encode("utf-8"), b"caf\xe9", 1)),
    ("latin1-byte.json", BASE_JSON.encode("utf-8").replace("测试区第一小学".encode("utf-8"), b"caf\xe9", 1)),
])
def test_bytes_that_are_not_utf8_are_a_located_encoding_error(tmp_path, name, content):
    path = _write(tmp_path, name, content)
    error = _first_error(path)
    assert error.code == "filing_encoding_error", error.render("en")
    if "utf16" not in name:  # the one bad line is named
        base = BASE_JSON if name.endswith(".json") else BASE_YAML
        assert error.line == base[: base.index("测试区第一小学")].count("\n") + 1, error.render("en")
    assert_refused(path)


# ---------------------------------------------------------------- YAML anchors, aliases and merge keys


def test_valid_anchors_aliases_and_merge_keys_are_accepted(tmp_path):
    assert_accepted(_write(tmp_path, "merge.yaml", BASE_YAML))  # base.yaml merges a record into the next
    several = BASE_YAML.replace("  - <<: *junior\n    id: J2", "  - <<: [*junior, *primary]\n    id: J2", 1)
    assert "<<: [*junior, *primary]" in several
    assert_accepted(_write(tmp_path, "merge-list.yaml", several))
    aliased = BASE_YAML.replace("regular_revenue: {current: 100000, previous: 90000}",
                                "regular_revenue: &money {current: 100000, previous: 90000}", 1)
    aliased = aliased.replace("general_expenditure: {current: 200000, previous: 180000}", "general_expenditure: *money", 1)
    assert "*money" in aliased
    assert_accepted(_write(tmp_path, "alias.yaml", aliased))


def test_an_anchor_kept_under_a_key_the_schema_does_not_know_is_refused(tmp_path):
    text = BASE_YAML.replace("finance:\n", "defaults: &money {current: 100000, previous: 90000}\nfinance:\n", 1)
    assert_refused(_write(tmp_path, "anchor-in-unknown-key.yaml", text))


@pytest.mark.parametrize("name,old,new", [
    ("merge-scalar.yaml", "  - <<: *primary\n    id: P2", "  - <<: 5\n    id: P2"),
    ("merge-scalar-alias.yaml", "  - <<: *primary\n    id: P2", "  - <<: *name\n    id: P2"),
    ("merge-list-of-scalars.yaml", "  - <<: *primary\n    id: P2", "  - <<: [*primary, text]\n    id: P2"),
    ("merge-sequence.yaml", "  - <<: *primary\n    id: P2", "  - <<: [[1, 2]]\n    id: P2"),
    ("alias-undefined.yaml", "  - <<: *primary\n    id: P2", "  - <<: *nowhere\n    id: P2"),
    ("alias-recursive.yaml", "  - <<: *primary\n    id: P2", "  - &self\n    <<: *self\n    id: P2"),
])
def test_a_merge_of_anything_but_mappings_is_a_located_error(tmp_path, name, old, new):
    text = BASE_YAML.replace(old, new, 1).replace("    name: 测试区第一小学", "    name: &name 测试区第一小学", 1)
    assert new in text
    assert_refused(_write(tmp_path, name, text))


def test_a_billion_laughs_generated_deeper_than_the_fixture_is_refused_quickly(tmp_path):
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 16)]  # 10**16 values
    assert_refused(_write(tmp_path, "laughs.yaml", "\n".join(lines) + "\n"))
    mapping = ["m0: &m0 {a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8}"]  # through merge keys this time
    mapping += [f"m{i}: &m{i} {{<<: *m{i - 1}, x{i}: [{', '.join([f'*m{i - 1}'] * 10)}]}}" for i in range(1, 12)]
    assert_refused(_write(tmp_path, "laughs-merge.yaml", "\n".join(mapping) + "\n"))


# ---------------------------------------------------------------- files that are not filings


@pytest.mark.parametrize("name,content", [
    ("empty.json", b""),
    ("blank.yaml", b" \n\t\n  \r\n"),
    ("bom-only.json", b"\xef\xbb\xbf"),
    ("filing.txt", BASE_YAML.encode("utf-8")),
    ("no-extension", BASE_YAML.encode("utf-8")),
])
def test_empty_files_and_unsupported_extensions_name_the_file(tmp_path, name, content):
    assert_refused(_write(tmp_path, name, content), located=False)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_binary_garbage_is_a_located_error(tmp_path, seed, suffix):
    garbage = random.Random(seed).randbytes(4096 * (seed + 1))
    assert_refused(_write(tmp_path, f"garbage{suffix}", garbage))


@pytest.mark.parametrize("text", ["- 1\n- 2\n", "just text\n", "42\n", "null\n", "{}\n", "[]\n", "---\n...\n"])
def test_documents_of_the_wrong_shape_are_refused(tmp_path, text):
    path = _write(tmp_path, "shape.yaml", text)
    with pytest.raises(InputErrors):
        load_and_validate(path)
    result, _, _ = _run("validate", path)
    assert result.exit_code == 2 and "Traceback" not in result.stderr, explain(result, limit=3000)


def test_a_folder_named_like_a_filing_and_a_missing_file_name_themselves(tmp_path):
    folder = tmp_path / "folder.yaml"
    folder.mkdir()
    assert_refused(folder, located=False)
    assert_refused(tmp_path / "missing.yaml", located=False)
    with pytest.raises(InputErrors) as caught:  # the loader itself, given a folder
        load_document(folder)
    assert caught.value.errors[0].code == "filing_unreadable"


# ---------------------------------------------------------------- the invalid fixtures, through `check` too


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_invalid_fixture_is_refused_by_check_too_quickly_and_in_bounded_memory(name):
    assert_refused(INVALID / name, located=CASES[name].get("line") is not None)


# ---------------------------------------------------------------- random damage


@settings(max_examples=100, deadline=None)
@given(ext=st.sampled_from(["json", "yaml"]), edits=st.lists(
    st.tuples(st.floats(0, 1, exclude_max=True), st.sampled_from(["set", "insert", "delete"]),
              st.sampled_from(list(b'{}[]:,"\\-0123456789eE.&*<>!|%@`#\t\n \x00\x85\xa0\xc2\xe6\xff'))),
    min_size=1, max_size=4))
def test_random_byte_damage_to_a_filing_is_checked_or_refused_with_located_errors(ext, edits):
    data = bytearray((BASE_JSON if ext == "json" else BASE_YAML).encode("utf-8"))
    for where, how, byte in edits:
        at = int(where * len(data))
        if how == "set":
            data[at] = byte
        elif how == "insert":
            data.insert(at, byte)
        else:
            del data[at:at + 1 + byte % 16]
    try:
        result = check_source(bytes(data), shipped_policy(), name=f"damaged.{ext}")
    except InputErrors as caught:
        for error in caught.errors:
            assert error.file == f"damaged.{ext}" and error.zh and error.en, error
            assert error.line is not None or error.code == "filing_empty", error.render("en")
    else:
        assert result.verdict in ("qualified", "deferred")

