"""Tools for policy staff: rule tests, lint, descriptions and impact of a change."""

from junheng.authoring.describe import example_finding, explain, find_rule, render_table, rule_rows
from junheng.authoring.impact import compare, impact_status, render_text, run_impact, totals
from junheng.authoring.lint import LintReport, lint_rules
from junheng.authoring.ruletest import CaseResult, coverage, find_test_files, load_test_file, run_all, run_file

__all__ = ["CaseResult", "LintReport", "compare", "coverage", "example_finding", "explain", "find_rule", "find_test_files", "impact_status",
           "lint_rules", "load_test_file", "render_table", "render_text", "rule_rows", "run_all", "run_file", "run_impact", "totals"]
