"""Thin spark-submit entry points, one per stage."""
