"""Entry point of `python -m vigil`, the same as the `vigil` console script."""

from vigil.cli import run

run()
