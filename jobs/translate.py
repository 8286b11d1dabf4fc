"""spark-submit entry point of `curate translate`: the same arguments, the same code.

    spark-submit --master spark://HOST:7077 --driver-java-options -Dlog4j2.configurationFile=dist/log4j2.properties \\
        --conf spark.executor.resource.gpu.amount=1 --conf spark.task.resource.gpu.amount=1 \\
        --conf spark.executor.resource.gpu.discoveryScript=/opt/spark/getGpusResources.sh \\
        --py-files dist/curate.zip jobs/translate.py \\
        s3://bucket/fineweb-edu/sample/10BT/ --dumps CC-MAIN-2024-10 --min-int-score 3 --max-docs 100000 \\
        --target fr,de,es --engine ct2 --model opus-mt-en-mul-ct2 --option device=cuda --output s3://bucket/translated
"""

import sys

from pipeline.cli.main import job_main

if __name__ == "__main__":
    sys.exit(job_main("translate", __file__))
