"""Faults during a run: an internal error or an engine crash in one filing of a batch is reported
for that filing (exit 3, with the bug-report hint) and the others' results are kept; an
interrupted run (Ctrl-C) leaves no report that looks complete, no temporary file and no traceback.

tests/test_cli_check.py crashes a worker under ``check_many``; here the faults go through the
command line, in every batch format.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import junheng.check.run as check_module
from junheng.check.recorder import Recorder
from junheng.check.run import BUG_REPORT_EN
from junheng.cli.main import junheng
from shared import EXE, base_filing, explain


@pytest.fixture
def batch(tmp_path) -> list[Path]:
    """Three clean filings a, b, c; b is the one that will fail."""
    paths = []
    base = base_filing()
    for name in ("a.json", "b.json", "c.json"):
        path = tmp_path / name
        path.write_text(json.dumps(base, ensure_ascii=False), encoding="utf-8")
        paths.append(path)
    return paths


def _is_b(source) -> bool:
    return str(source).endswith("b.json")


def _internal_error(monkeypatch):
    """A bug in the pipeline: check_source raises for b (caught by check_one_safely, in the worker)."""
    original = check_module.check_source

    def failing(source, *args, **kwargs):
        if _is_b(source):
            raise ZeroDivisionError("a bug in a derived value")
        return original(source, *args, **kwargs)

    monkeypatch.setattr(check_module, "check_source", failing)


def _engine_crash(monkeypatch):
    """The engine's C extension dies: the worker holding b is killed by SIGSEGV."""
    original = check_module.check_one_safely

    def crashing(source, *args, **kwargs):
        if _is_b(source):
            import faulthandler

            faulthandler.disable()  # the crash is the point; keep the dump out of the log
            os.kill(os.getpid(), signal.SIGSEGV)
        return original(source, *args, **kwargs)

    monkeypatch.setattr(check_module, "check_one_safely", crashing)


def _action_error(monkeypatch):
    """An exception inside an engine action (durable_rules would swallow it): the session reports it."""
    original_check, original_fire = check_module.check_source, Recorder.on_fire

    def failing_fire(self, fired):
        raise KeyError("an action failed")

    def checking(source, *args, **kwargs):
        if _is_b(source):
            monkeypatch.setattr(Recorder, "on_fire", failing_fire)  # in this worker only
        try:
            return original_check(source, *args, **kwargs)
        finally:
            Recorder.on_fire = original_fire

    monkeypatch.setattr(check_module, "check_source", checking)


FAULTS = {"internal error": _internal_error, "engine crash": _engine_crash, "error inside an engine action": _action_error}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_a_fault_in_one_filing_of_a_batch_is_exit_3_for_it_and_the_others_are_still_reported(batch, monkeypatch, fault):
    FAULTS[fault](monkeypatch)
    result = CliRunner().invoke(junheng, ["check", *map(str, batch), "--format", "json", "--lang", "en", "--jobs", "2"])
    assert result.exit_code == 3, explain(result, limit=4000)
    results = json.loads(result.stdout)["results"]
    assert [r["file"] for r in results] == [str(p) for p in batch]
    assert [r.get("verdict") for r in results] == ["qualified", None, "qualified"], explain(result, limit=4000)
    failed = results[1]
    assert set(failed) == {"file", "status", "errors"} and failed["status"] == 3, failed
    assert failed["errors"] and all(e["code"] == "internal_error" and BUG_REPORT_EN in e["message"] for e in failed["errors"]), failed
    assert f"{batch[1]}: internal error" in result.stderr and BUG_REPORT_EN in result.stderr, explain(result, limit=4000)
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stderr.splitlines()[-1] == "3 filings, 2 qualified, 0 deferred, 0 invalid, 1 internal errors"


@pytest.mark.parametrize("fmt", ["jsonl", "text", "sarif", "junit", "markdown"])
def test_every_batch_format_reports_a_crashed_filing_and_keeps_the_others(batch, monkeypatch, fmt):
    _engine_crash(monkeypatch)
    result = CliRunner().invoke(junheng, ["check", *map(str, batch), "--format", fmt, "--lang", "en"])
    assert result.exit_code == 3, explain(result, limit=4000)
    assert BUG_REPORT_EN in result.stderr and "Traceback" not in result.stdout + result.stderr
    if fmt == "jsonl":
        lines = [json.loads(line) for line in result.stdout.splitlines()]
        assert [line.get("verdict", line.get("status")) for line in lines] == ["qualified", 3, "qualified"]
    else:
        assert "b.json" in result.stdout and "a.json" in result.stdout and "c.json" in result.stdout, explain(result, limit=4000)


def test_an_internal_error_while_validating_one_filing_is_exit_3_and_the_others_are_validated(batch, monkeypatch):
    import junheng.filing.read as validate_module

    original = validate_module.read_filing_data

    def failing(source, *args, **kwargs):
        if _is_b(source):
            raise AssertionError("a bug in the loader")
        return original(source, *args, **kwargs)

    monkeypatch.setattr(validate_module, "read_filing_data", failing)
    result = CliRunner().invoke(junheng, ["validate", *map(str, batch), "--lang", "en"])
    assert result.exit_code == 3, explain(result, limit=4000)
    assert f"✓ {batch[0]}: valid" in result.stdout and f"✓ {batch[2]}: valid" in result.stdout
    assert f"{batch[1]}: internal error" in result.stderr and "Traceback" not in result.stderr


# ---------------------------------------------------------------- Ctrl-C


@pytest.fixture(scope="module")
def many_filings(tmp_path_factory) -> Path:
    """~200 generated filings, big enough that checking them takes a few seconds."""
    from junheng.synthetic import Spec, write

    folder = tmp_path_factory.mktemp("many")
    write(Spec(districts=200, schools=300, violation_share=0.05), folder)
    return folder


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


@pytest.mark.skipif(not EXE.exists() or not Path("/proc/self/task").exists(), reason="needs the installed command and Linux /proc")
@pytest.mark.parametrize("fmt", ["jsonl", "json"])
@pytest.mark.parametrize("whom", ["process", "process group"])
def test_an_interrupted_check_leaves_no_report_no_temporary_file_and_no_traceback(many_filings, tmp_path, fmt, whom):
    out = tmp_path / f"report.{fmt}"
    proc = subprocess.Popen([str(EXE), "check", str(many_filings), "--format", fmt, "--output", str(out), "--lang", "en", "--jobs", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + 20
        # wait until the filings are being checked (and, streaming, part of the report is written)
        while time.monotonic() < deadline and proc.poll() is None:
            partial = [p for p in tmp_path.iterdir() if p.name.startswith(f".{out.name}.") and p.stat().st_size > 0]
            if _children(proc.pid) and (fmt == "json" or partial):
                break
            time.sleep(0.02)
        time.sleep(0.2)
        workers = _children(proc.pid)
        assert proc.poll() is None and workers, "the run ended before it could be interrupted: give it more filings"
        if whom == "process":
            proc.send_signal(signal.SIGINT)  # kill -INT
        else:
            os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C on a terminal: the whole foreground group
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    stderr = err.decode("utf-8", "replace")
    assert proc.returncode == 130, stderr
    assert list(tmp_path.iterdir()) == [], "a partial report or a temporary file was left"
    assert "Traceback" not in stderr, stderr
    for pid in workers:  # the workers went with the run
        for _ in range(100):
            if not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split(")")[-1][:3]:
                break
            time.sleep(0.02)
        else:
            pytest.fail(f"worker {pid} outlived the interrupted run")
