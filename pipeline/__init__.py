"""The Spark layer: session, readers, writers, stage runners, accounting and the `curate` CLI."""
