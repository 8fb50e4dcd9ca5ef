"""Reading YAML and JSON while remembering where every value was written (file, line, column, pointer)."""
