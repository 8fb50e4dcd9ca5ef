"""The rules version the server reads before every check: hashed again only when a rule file changed, and then always
— an edit by hand that keeps the file's size, a file added or removed, a layer's file replaced."""

from __future__ import annotations

import os
import shutil

from junheng.policy.load import default_rules_dir
from junheng.web.ruleset import RuleSet, rules_version


def _copy(tmp_path):
    target = tmp_path / "rules"
    shutil.copytree(default_rules_dir(), target)
    return target


def test_the_version_is_the_hash_and_follows_every_change(tmp_path, monkeypatch):
    rules = _copy(tmp_path)
    ruleset = RuleSet(rules)
    first = ruleset.version()
    assert first == rules_version([rules])
    hashed: list[int] = []
    real = rules_version
    monkeypatch.setattr("junheng.web.ruleset.rules_version", lambda layers: hashed.append(1) or real(layers))
    assert ruleset.version() == first and not hashed  # nothing changed: not hashed again

    funding = rules / "funding.yaml"
    text = funding.read_text(encoding="utf-8")
    assert "0.7" in text
    stat = funding.stat()
    funding.write_text(text.replace("0.7", "0.9", 1), encoding="utf-8")  # the same size, by hand
    os.utime(funding, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # even its modification time put back
    edited = ruleset.version()
    assert edited != first and edited == real([rules]) and hashed

    (rules / "extra.yaml").write_text("# nothing yet\n", encoding="utf-8")
    added = ruleset.version()
    assert added not in (first, edited) and added == real([rules])
    (rules / "extra.yaml").unlink()
    assert ruleset.version() == edited

    funding.write_text(text, encoding="utf-8")
    assert ruleset.version() == first
