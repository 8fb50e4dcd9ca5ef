"""Reading district filings: files in (YAML, JSON, a workbook, a CSV folder), validated models and locations out."""

from junheng.filing.forms import form_of, load_filing, write_filing
from junheng.filing.model import Filing, School
from junheng.filing.read import read_filing
from junheng.filing.validate import validate_document

__all__ = ["Filing", "School", "read_filing", "validate_document", "load_filing", "write_filing", "form_of"]
