"""YAML recipes and the recipe schema/loader."""
