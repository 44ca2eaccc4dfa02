"""Backups of a whole deployment and their restore: the instance database, the artifact and
prompt stores, the vector memory, with a manifest holding the sha256 of every part."""
