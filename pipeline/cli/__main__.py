"""`python -m pipeline.cli ...`: the `curate` command."""
import sys

from pipeline.cli.main import main

sys.exit(main())
