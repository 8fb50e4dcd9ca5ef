"""The benchmark: one command, from a fresh clone, printing figures (never a pass/fail).

    python3 -m venv .venv && .venv/bin/pip install -q -e '.[test]' && .venv/bin/python bench/run.py

It generates (seeded) a 100-school filing, the 38-district city and the
national set (2,850 districts × 75 schools), in JSON and YAML, under
``bench/out/`` (not committed), then measures:

1. the wall time of the whole ``junheng check`` process on the 100-school filing, and (1b) that
   start-up time against a baseline revision measured in the same run (by default the last commit
   before the restructure into the package ``junheng``; ``--baseline REV`` picks another);
2. throughput (filings/s, schools/s) and peak memory (RSS) of
   ``junheng check DIR --format jsonl`` on the city and the national set;
3. the cost of the engine: durable_rules' evaluation time against a plain-Python
   evaluation of the same compiled comparisons over the same derived values;
4. where the time of one filing goes: load, validate, derive, evaluate, report.

``--quick`` runs a smaller national set (285 districts) for a fast look; ``--startup-only`` measures
1b alone.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT / "engine"))

from junheng.synthetic import Spec, write  # noqa: E402

JUNHENG = [str(Path(sys.executable).with_name("junheng"))]
if not Path(JUNHENG[0]).exists():
    JUNHENG = [sys.executable, "-m", "junheng.cli.main"]

# The last commit before the restructure: the package was the top-level module `engine` then (its
# console entry `engine.cli:main`); the start-up time of `junheng check` must not have grown since.
BASELINE = "3e7268d"
STARTUP_RUNS = 15


def _machine() -> str:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    python = platform.python_version()
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores{mem}, {cpu or 'unknown CPU'}, Python {python}"


def _dataset(name: str, spec: Spec, fmt: str) -> Path:
    folder = OUT / f"{name}-{fmt}"
    marker = folder / ".complete"
    if not marker.exists() or marker.read_text() != repr((spec, fmt)):
        if folder.exists():
            for p in folder.iterdir():
                p.unlink()
        write(spec, folder, fmt)
        marker.write_text(repr((spec, fmt)))
    return folder


def _run(args: list[str]) -> tuple[float, int, float]:
    """Wall seconds, exit code, and the peak RSS (MiB) of the largest process the command ran."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t = time.perf_counter()
    proc = subprocess.run(JUNHENG + args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if proc.returncode not in (0, 1):
        sys.exit(f"junheng failed ({proc.returncode}): {proc.stderr.decode()[-2000:]}")
    return wall, proc.returncode, max(peak, before) / 1024


def single_filing() -> None:
    folder = _dataset("single", Spec(districts=1, schools=100), "json")
    path = next(folder.glob("*.json"))
    times = [_run(["check", str(path), "--format", "json"])[0] for _ in range(7)]
    print(f"1. one 100-school filing, whole `junheng check` process: median {statistics.median(times) * 1000:.0f} ms "
          f"(min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f}; target ≤ 300 ms)")


@contextlib.contextmanager
def _worktree(rev: str) -> Iterator[Path]:
    """A checkout of `rev` in a temporary folder (`git worktree add --detach`), removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="junheng-baseline-"))
    try:
        subprocess.run(["git", "worktree", "add", "--detach", str(folder), rev], cwd=ROOT, check=True, capture_output=True, text=True)
        yield folder
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(folder)], cwd=ROOT, capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


def _startup_run(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    """Wall seconds of one whole process, which must have checked the filing (exit 0 or 1, a JSON verdict)."""
    t = time.perf_counter()
    proc = subprocess.run(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wall = time.perf_counter() - t
    if proc.returncode not in (0, 1) or b'"verdict"' not in proc.stdout:
        sys.exit(f"{' '.join(command)} failed ({proc.returncode}): {proc.stderr.decode()[-2000:]}")
    return wall


def _entry(tree: Path) -> tuple[str, Path]:
    """How a checkout runs `junheng check`: its CLI module, and the folder to put on PYTHONPATH."""
    if (tree / "engine" / "junheng" / "cli" / "main.py").exists():
        return "junheng.cli.main", tree / "engine"  # since the restructure
    if (tree / "engine" / "cli.py").exists():
        return "engine.cli", tree  # before it: the top-level package `engine`, console entry `engine.cli:main`
    sys.exit(f"no junheng command line in {tree}: neither engine/junheng/cli/main.py nor engine/cli.py")


def _ms(times: list[float]) -> str:
    return f"median {statistics.median(times) * 1000:.0f} ms (min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f})"


def startup_against_baseline(rev: str, runs: int) -> None:
    """1b: the start-up time of `junheng check` now and at `rev`, measured alike and interleaved in one run."""
    folder = _dataset("single", Spec(districts=1, schools=100), "json")
    path = next(folder.glob("*.json")).resolve()
    check = ["check", str(path), "--format", "json"]
    # Both run as `python -m` from the same virtualenv, with bytecode cached (a warm-up run each,
    # not timed) as after an install, and the baseline's own rules; only the code differs.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPATH", "JUNHENG_DEBUG")}
    try:
        resolved = subprocess.run(["git", "rev-parse", "--verify", "--short", f"{rev}^{{commit}}"], cwd=ROOT,
                                  check=True, capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError) as e:
        print(f"1b. start-up against the baseline {rev}: not measured, the revision cannot be read from git ({e})")
        return
    with _worktree(resolved) as tree:
        module, path = _entry(tree)
        now = ([sys.executable, "-m", "junheng.cli.main", *check], ROOT, env)
        then = ([sys.executable, "-m", module, *check], tree, {**env, "PYTHONPATH": str(path)})
        for command, cwd, run_env in (now, then):
            _startup_run(command, cwd, run_env)
        times: dict[str, list[float]] = {"now": [], "then": []}
        for _ in range(runs):  # interleaved, so that a busy moment of the machine costs both alike
            times["now"].append(_startup_run(*now))
            times["then"].append(_startup_run(*then))
    ratio = statistics.median(times["now"]) / statistics.median(times["then"])
    print(f"1b. start-up, the whole `junheng check` process on the 100-school filing, {runs} runs each, interleaved:")
    print(f"    now       (junheng.cli.main): {_ms(times['now'])}")
    what = "the last commit before the restructure" if rev == BASELINE else rev
    print(f"    baseline  ({module} at {resolved}, {what}): {_ms(times['then'])}")
    print(f"    ratio now/baseline: {ratio:.2f}× (target: not above 1; this machine's run-to-run spread is about ±10%)")


def throughput(name: str, spec: Spec, fmt: str) -> None:
    folder = _dataset(name, spec, fmt)
    out = OUT / f"{name}-{fmt}.jsonl"
    wall, _, peak = _run(["check", str(folder), "--format", "jsonl", "--output", str(out), "--jobs", str(os.cpu_count() or 2)])
    lines = out.read_text(encoding="utf-8").splitlines()
    verdicts = [json.loads(line).get("verdict") for line in lines]
    n = len(lines)
    print(f"   {name:9s} {fmt:4s}: {n} filings, {n * spec.schools} schools in {wall:.2f} s = {n / wall:.0f} filings/s, "
          f"{n * spec.schools / wall:.0f} schools/s; peak RSS {peak:.0f} MiB; "
          f"{verdicts.count('deferred')} deferred, {verdicts.count('qualified')} qualified")


def engine_cost_and_stages(samples: int = 200) -> None:
    from junheng.check.derive import derive
    from junheng.check.explain import FindingBuilder
    from junheng.check.recorder import Recorder, build_findings
    from junheng.check.run import prepare
    from junheng.filing.validate import validate_document
    from junheng.located.read import load_document
    from junheng.policy.packs import compile_rules
    from junheng.report.formats import json_format
    from junheng.report.result import Result
    from junheng.rete import reference as direct
    from junheng.rete.facts import STAGE_AGGREGATE_MISSING, STAGE_VERDICT, stage_fact
    from junheng.rete.session import Fired

    policy = compile_rules()
    folder = _dataset("city", Spec(districts=38, schools=75), "json")
    paths = sorted(folder.glob("*.json"))
    stages = {"load": 0.0, "validate": 0.0, "derive": 0.0, "evaluate": 0.0, "report": 0.0}
    engine_time = plain_time = 0.0
    plains: dict = {}  # pack name → the plain-Python predicates of its single-pattern rules
    n = 0
    for k in range(samples):
        path = paths[k % len(paths)]
        t0 = time.perf_counter()
        doc = load_document(path)
        t1 = time.perf_counter()
        filing = validate_document(doc)
        data = filing.model_dump(mode="python", exclude_none=True)
        t2 = time.perf_counter()
        pack = policy.packs[filing.district.standard]
        prepared = prepare(pack)
        derived = derive(pack, prepared.plan, prepared.steps, data)
        t3 = time.perf_counter()
        recorder = Recorder(pack, prepared.plan, derived.subjects)
        stages_after = [[stage_fact(STAGE_AGGREGATE_MISSING)], [stage_fact(STAGE_VERDICT)]]
        session = prepared.engine.run([derived.facts, *stages_after], recorder.on_fire)
        t4 = time.perf_counter()
        builder = FindingBuilder(pack, doc, data, derived.subjects, policy.vocabulary)
        findings = build_findings(pack, recorder, builder, derived.subjects)
        json_format.render([Result(doc.file, {}, pack.name, pack.title, "qualified", tuple(findings), policy.vocabulary)])
        t5 = time.perf_counter()
        for key, dt in zip(stages, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4), strict=True):
            stages[key] += dt
        # the same compiled comparisons, evaluated in plain Python over the same facts
        predicates = plains.setdefault(pack.name, direct.plain_single_pattern(prepared.plan.durable))
        t6 = time.perf_counter()
        hits = [(name, f) for f in derived.facts for name, pred in predicates.get(f["t"], ()) if pred(f)]
        rec2 = Recorder(pack, prepared.plan, derived.subjects)
        answers = [a for name, f in hits for a in rec2.on_fire(Fired(name, {"s": f}))]
        multi = {k: v for k, v in prepared.plan.durable.items() if len(v["all"]) > 1 or len(v["all"][0]) > 1}
        direct.run(multi, [answers, *stages_after], lambda name, bound, rec=rec2: rec.on_fire(Fired(name, bound)))
        t7 = time.perf_counter()
        engine_time += t4 - t3
        plain_time += t7 - t6
        n += 1
        assert not session.errors
    total = sum(stages.values())
    print(f"3. engine cost over {n} city filings: durable_rules {engine_time / n * 1000:.2f} ms/filing, "
          f"plain Python {plain_time / n * 1000:.2f} ms/filing, ratio {engine_time / plain_time:.2f}× (target ≤ 3×)")
    print(f"4. where one filing's time goes ({total / n * 1000:.1f} ms in this process): " +
          ", ".join(f"{k} {v / total * 100:.0f}% ({v / n * 1000:.2f} ms)" for k, v in stages.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a national set of 285 districts instead of 2,850")
    parser.add_argument("--baseline", default=BASELINE, metavar="REV",
                        help=f"the revision whose start-up time 1b compares with (default {BASELINE}, the last before the restructure)")
    parser.add_argument("--runs", type=int, default=STARTUP_RUNS, help=f"runs of each side in 1b (default {STARTUP_RUNS})")
    parser.add_argument("--startup-only", action="store_true", help="measure 1b (start-up against the baseline) alone")
    args = parser.parse_args()
    national = Spec(districts=285 if args.quick else 2850, schools=75)
    print(f"machine: {_machine()}")
    if args.startup_only:
        startup_against_baseline(args.baseline, args.runs)
        return
    single_filing()
    startup_against_baseline(args.baseline, args.runs)
    print("2. throughput, `junheng check DIR --format jsonl` (targets: national JSON ≤ 10 s on 2 cores, peak RSS ≤ 300 MiB):")
    for name, spec in (("city", Spec(districts=38, schools=75)), ("national", national)):
        for fmt in ("json", "yaml"):
            throughput(name, spec, fmt)
    engine_cost_and_stages()


if __name__ == "__main__":
    main()
