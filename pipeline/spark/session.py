"""The Spark session: defaults that fit the machine, and shipping this project's code to executors."""

import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import zipfile
from contextlib import contextmanager
from pathlib import Path

PACKAGES = ("pipeline", "signals", "dedup", "filters", "recipes", "translate", "jobs")


# The local masters Spark accepts: local, local[N], local[*], local[N, retries], local-cluster[N, cores, MB]
# (SparkMasterRegex in Spark's core/src/main/scala/org/apache/spark/SparkContext.scala; N >= 1). A master with a
# scheme (spark://, k8s://, a plugged-in cluster manager's) is left to Spark.
LOCAL_MASTER = re.compile(r"local(\[([1-9]\d*|\*)(\s*,\s*\d+)?\]|-cluster\[\s*\d+\s*,\s*\d+\s*,\s*\d+\s*\])?")
SCHEME_MASTER = re.compile(r"[a-z][a-z0-9+.-]*://\S+")
# A standalone master is one or more HOST:PORT (Spark's standalone master URL needs the port).
_HOST_PORT = r"(\[[0-9A-Fa-f:]+\]|[^\s:/,\[\]]+):(\d+)"
STANDALONE_MASTER = re.compile(rf"spark://{_HOST_PORT}(,{_HOST_PORT})*")


def master_problem(master: str) -> str | None:
    """None when Spark can parse `master`, else one line saying so (Spark itself logs a Java stack trace)."""
    if master.startswith("spark://"):
        if STANDALONE_MASTER.fullmatch(master):
            return None
    elif master == "yarn" or LOCAL_MASTER.fullmatch(master) or SCHEME_MASTER.fullmatch(master):
        return None
    return f"{master!r} is not a Spark master: local[*], local[N], spark://HOST:PORT, yarn, k8s://..."


def unreachable_master(master: str, timeout: float = 5.0) -> str | None:
    """For a standalone master: one line when none of its HOST:PORTs accepts a connection (Spark would retry for
    a minute and log Java stacks), else None."""
    if not STANDALONE_MASTER.fullmatch(master):
        return None
    for host, port in re.findall(_HOST_PORT, master):
        try:
            socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
            return None
        except OSError:
            continue
    return f"cannot reach the Spark master {master}: nothing accepts a connection there (is it running?)"


def task_attempts(master: str, max_failures: str | None) -> int:
    """How many times Spark runs a task that raises: local masters take it from `local[N, attempts]` (once
    otherwise, whatever spark.task.maxFailures says), the others from spark.task.maxFailures (default 4;
    Spark's docs/configuration.md)."""
    local = LOCAL_MASTER.fullmatch(master)
    if local:
        return int(local.group(3).strip(" ,")) if local.group(3) else 1
    return int(max_failures or 4)


def total_memory_bytes() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        return 8 * 2**30


def driver_memory() -> str:
    """A quarter of RAM, between 1 and 8 GB: the driver only plans and sums; Python workers do the work."""
    gigabytes = max(1, min(8, total_memory_bytes() // (4 * 2**30)))
    return f"{gigabytes}g"


LOG4J_CONF = Path(__file__).with_name("log4j2.properties")


def user_log4j_conf() -> bool:
    """True when a Spark conf folder (SPARK_CONF_DIR, else SPARK_HOME/conf) holds the user's own log4j2 config."""
    home = os.environ.get("SPARK_HOME")
    folder = os.environ.get("SPARK_CONF_DIR") or (home and os.path.join(home, "conf"))
    return bool(folder) and os.path.exists(os.path.join(folder, "log4j2.properties"))


def under_spark_submit() -> bool:
    """True when spark-submit launched this driver (it then owns the master and --py-files)."""
    return "PYSPARK_GATEWAY_PORT" in os.environ


def get_session(master: str | None = None, app_name: str = "curate"):
    """The active session, or a new one with this project's defaults (and its code shipped off-box).

    `master` None means spark-submit's --master when launched by it, else local[*]."""
    # late: pyspark takes a second to import, and the CLI imports this module for its checks before Spark starts
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    submitted = under_spark_submit()
    if master is None and not submitted:
        master = "local[*]"
    # Executors run Python workers with this interpreter unless the user chose one: the driver's own
    # has this project and its dependencies installed.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    local = bool(master and master.startswith("local"))
    if local:
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    cores = os.cpu_count() or 2
    builder = SparkSession.builder.master(master) if master else SparkSession.builder
    builder = (
        builder.appName(app_name)
        .config("spark.driver.memory", driver_memory())
        .config("spark.sql.shuffle.partitions", str(max(4, 2 * cores)))
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.ui.enabled", os.environ.get("CURATE_SPARK_UI", "false"))
        .config("spark.python.worker.reuse", "true")
    )
    if local:  # workers on this machine share the terminal's process group, and so its Ctrl-C
        builder = builder.config("spark.python.daemon.module", "pipeline.spark.daemon")
    if not submitted and not user_log4j_conf():
        # defaultJavaOptions: the user's own extraJavaOptions (spark-defaults.conf) still apply after it
        builder = builder.config("spark.driver.defaultJavaOptions",
                                 f"-Dlog4j2.configurationFile={LOG4J_CONF.as_uri()}")
    if submitted:
        session = builder.getOrCreate()
    else:
        with _relayed_stderr():  # the JVM starts here, and its Python workers from it: their stderr is relayed
            session = builder.getOrCreate()
    session.sparkContext.setLogLevel(os.environ.get("CURATE_SPARK_LOG_LEVEL", "ERROR"))
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, _on_interrupt)  # in place of PySpark's, which calls into Java from here
    if master and not master.startswith("local") and not submitted:
        session.sparkContext.addPyFile(build_code_zip(tempfile.mkdtemp(prefix="curate-code-")))
    return session


_quieting: threading.Thread | None = None  # set by the first Ctrl-C once Spark runs


@contextmanager
def _relayed_stderr():
    """Processes started inside the block (the JVM, and the Python workers it starts) write their stderr into a
    pipe that a thread copies to this process's stderr, until Ctrl-C: from then on, what a JVM being stopped logs
    (log4j is reset by its own shutdown hook, so a log level set earlier no longer holds) is dropped."""
    reader, writer = os.pipe()
    ours = os.dup(2)
    threading.Thread(target=_relay, args=(reader, ours), daemon=True, name="curate-jvm-stderr").start()
    os.dup2(writer, 2)
    try:
        yield
    finally:
        os.dup2(ours, 2)
        os.close(writer)


def _relay(reader: int, target: int) -> None:
    """Copy the pipe to `target` until its writers are gone, dropping what comes after a Ctrl-C."""
    while chunk := os.read(reader, 1 << 16):
        if _quieting is None:
            os.write(target, chunk)


def _on_interrupt(signum: int, frame) -> None:
    """Ctrl-C once Spark runs: raise KeyboardInterrupt here while another thread silences Spark and cancels its
    jobs (a call into Java from a signal handler re-enters the main thread's py4j connection); a second Ctrl-C
    ends the process at once."""
    global _quieting
    if _quieting is not None:
        os.write(2, b"curate: interrupted again: stopped at once; rerun the same command to resume\n")
        os._exit(130)
    logging.disable(logging.CRITICAL)  # py4j logs the call the interrupt cut short as an error, with its stack
    _quieting = threading.Thread(target=_quiet_spark, daemon=True)
    _quieting.start()
    raise KeyboardInterrupt


def _quiet_spark() -> None:
    from pyspark import SparkContext  # late, as in get_session

    context = SparkContext._active_spark_context
    if context is None:
        return
    try:
        context.setLogLevel("OFF")  # the cancelled tasks would log stacks
        context.cancelAllJobs()
        context.stop()  # now, while quiet: stopped by the JVM's exit, it logs again (log4j is reset by then)
    except Exception:  # the JVM may be gone already: nothing is left to quiet
        pass


def interrupted() -> bool:
    """Whether Ctrl-C was pressed once Spark ran: what fails after it (a call into the JVM that the same Ctrl-C
    stopped) is the interrupt's doing, not an error of its own."""
    return _quieting is not None


def settle_interrupt(timeout: float = 30.0) -> None:
    """After a Ctrl-C: wait until Spark is silenced and stopped, so nothing prints after the last line."""
    if _quieting is not None:
        _quieting.join(timeout)


@contextmanager
def session_conf(spark, conf: dict[str, str]):
    """Set SQL options for the queries run inside, and restore the session's own after."""
    before = {key: spark.conf.get(key, None) for key in conf}
    for key, value in conf.items():
        spark.conf.set(key, value)
    try:
        yield
    finally:
        for key, value in before.items():
            if value is None:
                spark.conf.unset(key)
            else:
                spark.conf.set(key, value)


def build_code_zip(directory: str) -> str:
    """Zip this project's packages for --py-files / addPyFile; returns the zip's path."""
    root = Path(__file__).resolve().parents[2]
    Path(directory).mkdir(parents=True, exist_ok=True)
    target = Path(directory) / "curate.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for package in PACKAGES:
            for path in sorted((root / package).rglob("*")):
                if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                    archive.write(path, path.relative_to(root).as_posix())
    return str(target)


def java_problem() -> str | None:
    """None when a Java 17+ runtime is on the PATH (or JAVA_HOME), else one line saying what is wrong."""
    home = os.environ.get("JAVA_HOME")
    java = os.path.join(home, "bin", "java") if home else "java"
    if home and not shutil.which(java):
        return f"JAVA_HOME={home} holds no bin/java: point it at a Java 17+ installation, or unset it"
    if not shutil.which(java):
        return "Java 17 or newer is required by Spark and was not found: install a JDK 17+ (e.g. openjdk-17-jre)"
    output = subprocess.run([java, "-version"], capture_output=True, text=True).stderr
    match = re.search(r'version "(\d+)(?:\.(\d+))?', output)
    major = int(match.group(1)) if match else 0
    if major == 1 and match.group(2):
        major = int(match.group(2))
    if major < 17:
        return f"Java 17 or newer is required by Spark, found Java {major or '?'} at {shutil.which(java)}"
    return None
