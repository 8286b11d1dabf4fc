"""`curate`: run the command the arguments name, and say how it ended (its exit status, an error line).

`spark-submit jobs/X.py` runs the same code through job_main."""

import logging
import os
import sys

from pipeline.cli.parser import build_parser
from pipeline.spark.session import interrupted, settle_interrupt
from pipeline.storage.locations import InputMissing, InputUnreachable


def job_main(command: str, script: str) -> int:
    """`spark-submit jobs/X.py ARGS` as `curate X ARGS`.

    Python puts the script's folder (jobs/) first on sys.path, where jobs/dedup.py and jobs/signals.py would
    hide the dedup and signals packages: the folder is taken off before anything imports them."""
    folder = os.path.dirname(os.path.abspath(script))
    sys.path[:] = [path for path in sys.path if os.path.abspath(path or os.curdir) != folder]
    return main([command, *sys.argv[1:]])


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    # late, after parsing: both load pyarrow, which `curate --help` and a mistyped option need not wait for
    from pipeline.spark.stage import Interrupted, StageFailed
    from pipeline.storage.output_dir import OutputConflict

    try:
        return args.run(args)
    except BaseException as exc:
        # After a Ctrl-C, whatever else fails (a call into the JVM the same Ctrl-C stopped) is the interrupt too.
        if isinstance(exc, KeyboardInterrupt) or (isinstance(exc, Exception) and interrupted()):
            settle_interrupt()
            sys.stdout.flush()
            done = f": {exc}; rerun the same command to resume" if isinstance(exc, Interrupted) else \
                "; rerun the same command to start again"
            print(f"curate {args.command}: interrupted{done}", file=sys.stderr)
            return 130  # 128 + SIGINT, as a shell reports a process Ctrl-C ended
        if isinstance(exc, (StageFailed, OutputConflict, InputMissing, InputUnreachable, ValueError,
                            FileNotFoundError)):
            print(f"curate {args.command}: error: {exc}", file=sys.stderr)
            return 2
        raise
