"""spark-submit entry point of `curate decontaminate`: the same arguments, the same code.

    spark-submit --master spark://HOST:7077 --driver-java-options -Dlog4j2.configurationFile=dist/log4j2.properties \\
        --py-files dist/curate.zip jobs/decontaminate.py 's3://bucket/dedup/*.parquet' \\
        --benchmark mmlu=/data/mmlu --benchmark-columns question,choices --output s3://bucket/decontaminated
"""

import sys

from pipeline.cli.main import job_main

if __name__ == "__main__":
    sys.exit(job_main("decontaminate", __file__))
