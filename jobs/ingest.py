"""spark-submit entry point of `curate ingest`: the same arguments, the same code.

    spark-submit --master spark://HOST:7077 --driver-java-options -Dlog4j2.configurationFile=dist/log4j2.properties \\
        --py-files dist/curate.zip jobs/ingest.py --crawl CC-MAIN-2024-10 --segments 0 --output s3://bucket/docs
    spark-submit ... jobs/ingest.py --rpv2 https://data.together.xyz/redpajama-data-v2/v1.0.0 \\
        --snapshots 2023-06 --languages en --output s3://bucket/rpv2-2023-06-en
    spark-submit ... jobs/ingest.py --source enwiki.yaml --output s3://bucket/enwiki   (docs/sources.md)
"""

import sys

from pipeline.cli.main import job_main

if __name__ == "__main__":
    sys.exit(job_main("ingest", __file__))
