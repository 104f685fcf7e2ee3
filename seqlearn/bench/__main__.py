"""``python -m seqlearn.bench``: the command line of ``cli.main``."""
import sys

from .cli import main

try:
    main()
except KeyboardInterrupt:                         # Ctrl-C: stop cleanly, no traceback, nothing half-written
    print("\ninterrupted: no results written", file=sys.stderr)
    sys.exit(130)
