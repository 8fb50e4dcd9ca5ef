"""``junheng rules impact``: what a rule change does to real filings before it goes live.

The baseline is a rules folder, or a git revision of the rules folder in use
(``HEAD``, ``main~3``, a tag): the revision's copy is extracted with
``git archive`` into a temporary folder. Both rule sets are compiled and every
filing is checked under each; the report lists, per filing, the findings gained
and lost (by identity: rule, for_rule, subject), the findings whose severity or
shortfall changed, and a verdict that flipped, with totals.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from junheng.check.run import Options, check_one_safely
from junheng.errors import InputError, InputErrors
from junheng.policy.compiled import Policy
from junheng.policy.packs import compile_rules
from junheng.report.numbers import fmt_number
from junheng.report.result import Failure, Finding, Result

__all__ = ["FilingImpact", "baseline_rules", "compare", "impact_status", "render_text", "run_impact", "totals"]


@dataclass
class FilingImpact:
    """What a rule change does to one filing: findings gained, lost and changed, and the verdicts before and after."""

    file: str
    district: str
    before: str | None  # verdict, or None when the filing could not be checked
    after: str | None
    gained: list[dict[str, Any]] = field(default_factory=list)  # each finding in brief (``_brief``)
    lost: list[dict[str, Any]] = field(default_factory=list)
    changed: list[dict[str, dict[str, Any]]] = field(default_factory=list)  # {"before": brief, "after": brief}
    error: dict[str, str] | None = None  # {"zh": …, "en": …} when the filing could not be checked
    status: int = 0  # 2 invalid input, 3 internal error (the filing could not be checked)

    @property
    def flipped(self) -> bool:
        return self.before is not None and self.after is not None and self.before != self.after

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "district": self.district, "verdict_before": self.before, "verdict_after": self.after,
                "verdict_flipped": self.flipped, "gained": self.gained, "lost": self.lost, "changed": self.changed,
                **({"error": self.error["en"], "status": self.status} if self.error else {})}


def baseline_rules(spec: str, current_roots: Sequence[Path]) -> tuple[list[Path], tempfile.TemporaryDirectory[str] | None]:
    """The baseline rules folders: a folder as given, or the git revision of the first folder in use.

    A revision's folder is extracted into a temporary folder, returned so that the caller removes it.
    """
    path = Path(spec)
    if path.is_dir():
        return [path] + list(current_roots[1:]), None
    first = Path(current_roots[0])
    try:
        # first: is the folder in a git repository at all (git says why not)
        subprocess.run(["git", "-C", str(first), "rev-parse", "--show-prefix"], capture_output=True, text=True, check=True)
        # `git archive … -- .` run inside the folder archives it relative to itself
        blob = subprocess.run(["git", "-C", str(first), "archive", "--format=tar", spec, "--", "."], capture_output=True, check=True).stdout
    except (subprocess.CalledProcessError, OSError) as e:
        raise InputErrors([_bad_baseline(spec, first, e)]) from None
    tmp = tempfile.TemporaryDirectory(prefix="junheng-baseline-")
    with tarfile.open(fileobj=io.BytesIO(blob)) as tar:
        tar.extractall(tmp.name, filter="data")
    return [Path(tmp.name)] + list(current_roots[1:]), tmp


def _bad_baseline(spec: str, first: Path, e: subprocess.CalledProcessError | OSError) -> InputError:
    """--baseline names neither a folder nor a revision: say so, with git's own words when it gave some."""
    stderr = e.stderr if isinstance(e, subprocess.CalledProcessError) else None
    detail = (stderr.decode("utf-8", "replace").strip() if isinstance(stderr, bytes) else str(stderr or "")) or e
    return InputError("bad_option", "--baseline", None, None, "",
                      f"基线 “{spec}” 既不是规则目录，也不是 {first} 所在 git 仓库中的版本：{detail}",
                      f"baseline {spec!r} is neither a rules folder nor a git revision of the repository holding {first}: {detail}")


def _brief(f: Finding) -> dict[str, Any]:
    """A finding in brief: what it is about, how severe, and its shortfall."""
    out: dict[str, Any] = {"rule": f.rule, "subject": f.subject, "severity": f.severity}
    if f.for_rule:
        out["for_rule"] = f.for_rule
    if f.shortfall is not None:
        out["shortfall"] = f.shortfall[0]
        out["unit"] = f.shortfall[1]
    return out


def compare(filings: list[str], before: Policy, after: Policy, standard: str | None = None) -> list[FilingImpact]:
    """Each filing checked under both rule sets, and the differences."""
    out = []
    for source in filings:
        a = check_one_safely(source, before, Options(standard=standard))
        b = check_one_safely(source, after, Options(standard=standard))
        district = ""
        for r in (b, a):
            if isinstance(r, Result):
                district = f"{r.district['name']}（{r.district['code']}）"
                break
        item = FilingImpact(source, district, a.verdict if isinstance(a, Result) else None, b.verdict if isinstance(b, Result) else None)
        failures = [r for r in (a, b) if isinstance(r, Failure)]
        if failures:
            item.error = {lang: "; ".join(e.render(lang) for e in failures[0].errors[:2]) for lang in ("zh", "en")}
            item.status = max(f.status for f in failures)
        if isinstance(a, Result) and isinstance(b, Result):
            old = {f.identity: f for f in a.findings}
            new = {f.identity: f for f in b.findings}
            item.gained = [_brief(new[k]) for k in sorted(new.keys() - old.keys())]
            item.lost = [_brief(old[k]) for k in sorted(old.keys() - new.keys())]
            for k in sorted(old.keys() & new.keys()):
                if (old[k].severity, old[k].shortfall) != (new[k].severity, new[k].shortfall):
                    item.changed.append({"before": _brief(old[k]), "after": _brief(new[k])})
        out.append(item)
    return out


def totals(items: list[FilingImpact]) -> dict[str, int]:
    """How many filings, findings gained, lost and changed, verdicts flipped, filings not checked."""
    return {
        "filings": len(items),
        "gained": sum(len(i.gained) for i in items),
        "lost": sum(len(i.lost) for i in items),
        "changed": sum(len(i.changed) for i in items),
        "verdicts_flipped": sum(i.flipped for i in items),
        "not_checked": sum(1 for i in items if i.error),
    }


def render_text(items: list[FilingImpact], lang: str = "zh", vocabulary: Mapping[str, Any] | None = None) -> str:
    """Per filing its verdicts and the findings gained (+), lost (-) and changed (~); then the totals.

    Verdicts and severities are named in ``lang`` as ``vocabulary`` (the rules' ``vocabulary.yaml``) names them:
    推迟认定, 须整改 …; without one, by their keys."""
    zh = lang == "zh"

    def word(group: str, key: str) -> str:
        return str(((vocabulary or {}).get(group) or {}).get(key, {}).get(lang, key))

    lines = []
    for i in items:
        head = f"{i.file}  {i.district}"
        if i.flipped and i.before and i.after:
            before, after = word("verdicts", i.before), word("verdicts", i.after)
            head += f"  结论：{before} → {after}" if zh else f"  verdict: {before} → {after}"
        elif i.before:
            head += f"  结论不变：{word('verdicts', i.before)}" if zh else f"  verdict unchanged: {word('verdicts', i.before)}"
        lines.append(head)
        if i.error:
            lines.append(f"  ! {i.error[lang]}")
        for f in i.gained:
            lines.append(f"  + {_line(f, word)}")
        for f in i.lost:
            lines.append(f"  - {_line(f, word)}")
        for c in i.changed:
            changed = c["after"]
            amount = f" {fmt_number(changed['shortfall'], 2)} {changed['unit']}" if "shortfall" in changed else ""
            lines.append(f"  ~ {_line(c['before'], word)}  →  {word('severities', changed['severity'])}{amount}")
        if not (i.gained or i.lost or i.changed or i.error):
            lines.append("  （无变化）" if zh else "  (no change)")
    t = totals(items)
    if zh:
        lines.append(f"合计：{t['filings']} 份申报，新增问题 {t['gained']}，消除问题 {t['lost']}，变化 {t['changed']}，"
                     f"结论改变 {t['verdicts_flipped']}，无法检查 {t['not_checked']}")
    else:
        lines.append(f"Total: {t['filings']} filings, {t['gained']} findings gained, {t['lost']} lost, {t['changed']} changed, "
                     f"{t['verdicts_flipped']} verdicts flipped, {t['not_checked']} not checked")
    return "\n".join(lines) + "\n"


def _line(f: dict[str, Any], word: Callable[[str, str], str]) -> str:
    rule = f["rule"] + (f"/{f['for_rule']}" if f.get("for_rule") else "")
    amount = f"  {fmt_number(f['shortfall'], 2)} {f['unit']}" if "shortfall" in f else ""
    return f"{rule}  {f['subject']}  {word('severities', f['severity'])}{amount}"


def impact_status(items: list[FilingImpact]) -> int:
    """2 when a filing could not be read, 3 on an internal error, else 0 (changes are not failures)."""
    return max((i.status for i in items), default=0)


def run_impact(baseline: str, roots: Sequence[Path], filings: list[str], standard: str | None = None,
               after: Policy | None = None) -> list[FilingImpact]:
    """Compile the current rules (unless given as ``after``) and the baseline, and compare them over the filings."""
    after = after if after is not None else compile_rules(roots)
    base_roots, tmp = baseline_rules(baseline, [Path(r) for r in roots])
    try:
        before = compile_rules(base_roots)
        return compare(filings, before, after, standard)
    finally:
        if tmp is not None:
            tmp.cleanup()
