"""Code analysis of a generated or given tree: parsing, names, imports, secrets."""
