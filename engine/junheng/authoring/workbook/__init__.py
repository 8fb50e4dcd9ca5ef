"""The rule settings workbook: the rules' numbers and Chinese texts in Excel, and an edited workbook applied back.

``export_workbook`` writes it (``export.py``), ``import_workbook`` reads an edited one and writes the
changes into the rule files (``importing.py``, through ``authoring/edits/``); ``layout.py`` is its
shape. For officers: ``docs/workbook.md``.
"""

from junheng.authoring.workbook.export import export_workbook
from junheng.authoring.workbook.importing import CellProblem, ImportResult, WorkbookEdits, WorkbookRejected, import_workbook, read_workbook

__all__ = ["CellProblem", "ImportResult", "WorkbookEdits", "WorkbookRejected", "export_workbook", "import_workbook", "read_workbook"]
