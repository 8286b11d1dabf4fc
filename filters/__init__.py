"""Recipe rules: expression parsing and validation, rule sets, line-level filters (pure Python)."""
