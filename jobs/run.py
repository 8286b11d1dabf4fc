"""spark-submit entry point of `curate run`: the same arguments, the same code.

    spark-submit --master spark://HOST:7077 --driver-java-options -Dlog4j2.configurationFile=dist/log4j2.properties \\
        --py-files dist/curate.zip jobs/run.py pipeline.yaml
"""

import sys

from pipeline.cli.main import job_main

if __name__ == "__main__":
    sys.exit(job_main("run", __file__))
