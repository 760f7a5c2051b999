"""Files on disk: atomic writes, locks, results directories (the ground floor every writer uses)."""
