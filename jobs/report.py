"""spark-submit entry point of `curate report`: the same arguments, the same code.

    spark-submit --master spark://HOST:7077 --py-files dist/curate.zip jobs/report.py s3://bucket/subsets/my-recipe
"""

import sys

from pipeline.cli import job_main

if __name__ == "__main__":
    sys.exit(job_main("report", __file__))
