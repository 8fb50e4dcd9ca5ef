"""The server's store: typed tables (``models``), the database they live in (``database``), and their migrations."""
