"""A filing as a spreadsheet: an ``.xlsx`` workbook, or a folder of ``.csv`` files, one sheet per section.

The layout (``layout.py``) is derived from the filing models, so that labels and units have one
source of truth — a field's Chinese ``title`` and the unit its ``description`` states:

- 区县, 经费, 教师队伍, 社会认可, 弱势群体 (district — with ``schema_version`` —, finance,
  staffing, survey, equity): columns 字段 | 值 | 键 | 说明, one row per field, labelled by the
  titles along its path and its unit, e.g. ``财政经常性收入·本年（万元）``; only 字段 and 值 are
  read (键, the contract's key, and 说明 are there for the reader);
- 学校 (schools): one header row of labels such as ``在校生数（人）``, then one row per school
  record (学段);
- 说明: instructions for the filer; never read.

``read.py`` reads a workbook or a CSV folder into plain data with cell locations; ``write.py``
writes a filing, or a blank form, in either. openpyxl is imported only when a workbook is read or
written (start-up time).
"""

from junheng.filing.sheets.layout import INSTRUCTIONS, SHEETS, Column, Sheet
from junheng.filing.sheets.read import load_csv_folder, load_workbook
from junheng.filing.sheets.write import instructions, write_csv_folder, write_workbook

__all__ = ["Column", "Sheet", "SHEETS", "INSTRUCTIONS", "load_workbook", "load_csv_folder", "write_workbook",
           "write_csv_folder", "instructions"]
