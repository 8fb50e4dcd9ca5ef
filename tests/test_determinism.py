"""Identical input gives byte-identical output: across runs, processes, worker counts and
PYTHONHASHSEED values, in every format, for the installed `junheng check` over all fixture filings."""

from __future__ import annotations

import os
import subprocess

import pytest

from shared import EXE, FIXTURE_FILINGS, ROOT

FILINGS = [str(p.relative_to(ROOT)) for p in FIXTURE_FILINGS]
FORMATS = ["json", "text", "sarif", "junit", "markdown", "jsonl", "github", "html", "letter"]
# (PYTHONHASHSEED, extra options): hash seeds that reorder every set and dict of strings, and one or two workers
RUNS = [("0", []), ("1", ["--jobs", "1"]), ("12345", []), ("random", ["--jobs", "2"]), (None, [])]


def _start(fmt: str, seed: str | None, extra: list[str], lang: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONHASHSEED", "JUNHENG_DEBUG")}
    if seed is not None:
        env["PYTHONHASHSEED"] = seed
    return subprocess.Popen([str(EXE), "check", *FILINGS, "--format", fmt, "--lang", lang, *extra],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.mark.skipif(not EXE.exists(), reason="junheng is not installed in this environment")
@pytest.mark.parametrize("fmt", FORMATS)
def test_the_same_filings_give_the_same_bytes_whatever_the_hash_seed_process_or_worker_count(fmt):
    lang = "en" if fmt in ("sarif", "github") else "zh"
    outputs = []
    for i in range(0, len(RUNS), 2):  # two at a time: one per core
        procs = [_start(fmt, seed, extra, lang) for seed, extra in RUNS[i:i + 2]]
        for proc, (seed, extra) in zip(procs, RUNS[i:i + 2], strict=True):
            out, err = proc.communicate(timeout=120)
            assert proc.returncode in (1, 2), f"PYTHONHASHSEED={seed} {extra}: exit {proc.returncode}\n{err.decode(errors='replace')}"
            outputs.append((seed, extra, proc.returncode, out, err))
    assert b"Traceback" not in outputs[0][4]
    first = outputs[0]
    for seed, extra, status, out, err in outputs[1:]:
        where = f"PYTHONHASHSEED={seed} {' '.join(extra)} vs PYTHONHASHSEED={first[0]}"
        assert status == first[2], where
        assert out == first[3], f"{fmt}: stdout differs, {where}"
        assert err == first[4], f"{fmt}: stderr differs, {where}"
    assert len(first[3]) > 100, first[3]
