"""Rule changes as data: a number, a severity, on/off or a Chinese text, checked and written into the rule files.

The settings workbook (``authoring/workbook/``) and the web server's rule change
requests both come through here:

- ``read_settings`` shows the rule files as an officer edits them: each rule's
  severity and Chinese texts, each parameter per school level, each shared
  parameter once (``rules/params.yaml``), as a pack has them with ``standard``;
- ``validate_edits`` says what is wrong with a list of edits, every problem
  with the edit it is about;
- ``apply_edits`` writes them, all or none, keeping each file's comments, key
  order and layout (a ruamel.yaml round trip of the very files, never a
  re-dump), and returns each ``Change`` with its line (``FIN-13 threshold: 70% → 75%``).

The modules, in the order an edit goes through them (each imports only those before it):

- ``model.py``: what an edit is — the four kinds, ``Problem``, ``Change``, ``edit_from_json``, ``shown_number``;
- ``roundtrip.py``: a YAML file read for editing, values set in its tree, files written back all or none;
- ``rulefiles.py``: every rule file, pack and ``params.yaml`` of the rules layers, read for editing;
- ``cells.py``: where each value lives as a pack has it (the pack's overrides laid over the rule files);
- ``settings.py``: what an officer sees (``read_settings``);
- ``plan.py``: each edit made in memory and checked, its file and node chosen, a shared text un-shared;
- ``verify.py``: the edits checked together (the values the pack now has; the files compiled);
- ``apply.py``: ``validate_edits`` and ``apply_edits`` end to end, and ``rule_test_failures`` after writing.
"""

from junheng.authoring.edits.apply import apply_edits, installed_package, rule_test_failures, validate_edits
from junheng.authoring.edits.model import (LEVEL_NAMES, SEVERITY_ZH, SHARED, TEXT_FIELDS, Change, Edit, EditsRejected, EnabledEdit,
                                           ParamEdit, Problem, SeverityEdit, TextEdit, TextField, edit_from_json, shown_number)
from junheng.authoring.edits.settings import PackSetting, ParamSetting, RuleSetting, Settings, read_settings

__all__ = ["LEVEL_NAMES", "SEVERITY_ZH", "SHARED", "TEXT_FIELDS", "Change", "Edit", "EditsRejected", "EnabledEdit", "PackSetting",
           "ParamEdit", "ParamSetting", "Problem", "RuleSetting", "SeverityEdit", "Settings", "TextEdit", "TextField", "apply_edits",
           "edit_from_json", "installed_package", "read_settings", "rule_test_failures", "shown_number", "validate_edits"]
