"""spark-submit entry point of `curate dedup`: the same arguments, the same code.

    spark-submit --master spark://HOST:7077 --py-files dist/curate.zip jobs/dedup.py \\
        s3://bucket/signals --threshold 0.8 --output s3://bucket/dedup
"""

import sys

from pipeline.cli import main

if __name__ == "__main__":
    sys.exit(main(["dedup", *sys.argv[1:]]))
