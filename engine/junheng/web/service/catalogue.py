"""The rules in use, as ``GET /api/rules`` lists them: every rule as its file defines it, and the packs that hold it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from junheng.web.roles import Principal, require
from junheng.web.workbench import Workbench

__all__ = ["rules_catalogue"]


def _id_key(rule_id: str) -> tuple[str, int, str]:
    """STD-2 before STD-10."""
    prefix, _, number = rule_id.partition("-")
    return (prefix, int(number) if number.isdigit() else 0, number)


def _shown(file: str, data: Path) -> str:
    try:
        return Path(file).resolve().relative_to(data.resolve()).as_posix()
    except ValueError:
        return file


def rules_catalogue(wb: Workbench, who: Principal, lang: str = "zh") -> dict[str, Any]:
    """``{"rules_version", "rules": [{"id", "title", "severity", "packs", "params", "enabled", …}]}``.

    A rule is listed as its rule file writes it (a pack's overrides are the pack's, not the rule's); ``packs`` names
    the packs that hold it, none for a rule switched off. A rule defined once per subject kind is listed once for each.
    """
    require(who, "read_rules")
    version, policy = wb.rules.current()
    holders: dict[tuple[str, str], list[str]] = {}
    for name in sorted(policy.packs):
        for compiled in policy.packs[name].rules:
            holders.setdefault((compiled.id, compiled.rule.subject), []).append(name)
    rules: list[dict[str, Any]] = []
    for rule_file, doc in policy.loaded.files if policy.loaded is not None else ():
        for rule in rule_file.rules:
            rules.append({
                "id": rule.id, "title": rule.title.en if lang == "en" else rule.title.zh, "severity": rule.severity,
                "packs": holders.get((rule.id, rule.subject), []), "params": rule.model_dump(mode="json")["params"],
                "enabled": rule.enabled, "subject": rule.subject, "area": rule_file.area,
                "area_title": rule_file.area_title.en if lang == "en" else rule_file.area_title.zh, "file": doc.file,
            })
    for entry in rules:  # the file as the data folder names it, where it is there (an extra layer keeps its own path)
        entry["file"] = _shown(entry["file"], wb.settings.data)
    rules.sort(key=lambda r: (_id_key(r["id"]), r["subject"]))
    return {"rules_version": version, "rules": rules}
