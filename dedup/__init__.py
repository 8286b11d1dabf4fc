"""MinHash, LSH banding and exact/URL keys; the Spark clustering lives in its own module."""
