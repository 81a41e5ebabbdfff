"""``python -m sitegen.counter [options]`` = ``sitegen counter [options]``."""
import sys

from sitegen.counter.cli import main

sys.exit(main())
