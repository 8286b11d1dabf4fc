"""Segmentation, translation engines and QC (pure Python; engines are optional extras)."""
