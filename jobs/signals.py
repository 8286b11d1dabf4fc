"""spark-submit entry point of `curate signals`: the same arguments, the same code.

    spark-submit --master spark://HOST:7077 --driver-java-options -Dlog4j2.configurationFile=dist/log4j2.properties \\
        --py-files dist/curate.zip jobs/signals.py \\
        s3://bucket/docs --artifacts artifacts/ --output s3://bucket/signals [--export rpv2]
"""

import sys

from pipeline.cli.main import job_main

if __name__ == "__main__":
    sys.exit(job_main("signals", __file__))
