"""Reading YAML and JSON while remembering where every value was written (file, line, column, pointer)."""

from junheng.located.read import MAX_BYTES, LoadedDocument, load_document

__all__ = ["LoadedDocument", "load_document", "MAX_BYTES"]
