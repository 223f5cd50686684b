"""Entry point of `python -m vigil`."""

import signal
import sys

from vigil.cli import main

# Output piped into `head` and the like ends quietly, as other command-line tools do, instead of with a traceback.
signal.signal(signal.SIGPIPE, signal.SIG_DFL)
sys.exit(main())
