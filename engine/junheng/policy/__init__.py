"""The rules as data: their model, loading, formulas and compilation — never the engine or the checker."""
