"""The model-free signals and MinHash for a whole batch in compiled loops (numba), equal to the readable modules."""
