"""Readers of open-licensed sources (docs/sources.md): a source file says which reader reads which files."""
