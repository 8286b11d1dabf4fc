"""PySpark's worker daemon with SIGINT blocked, for local masters (`spark.python.daemon.module`).

Ctrl-C in a terminal signals its whole process group, local Python workers included; PySpark's workers then die
of KeyboardInterrupt and the JVM logs their stacks. A blocked signal stays blocked in the forked workers (whatever
handler they set), so the driver alone answers Ctrl-C: it cancels the jobs, which stops the workers."""

import signal

from pyspark.daemon import manager

if __name__ == "__main__":
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    manager()
