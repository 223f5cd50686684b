"""Limits on spec input, in one place: spec files arrive in pull requests and are read in CI jobs that hold
AWS credentials, so nothing in a file may make vigil run long, grow large or crash.

Each limit is enforced before the work it bounds: file size and names when a file is read
(vigil/spec/workspace.py, vigil/spec/git_sources.py), the template budget while Jinja renders
(vigil/spec/templates.py), nesting, aliases and values while YAML is parsed (vigil/spec/loader.py). Going over
one is a spec problem (exit 2) that names the limit. The AWS limits the plan checks are in vigil/limits.py.
"""

from __future__ import annotations

# Files
MAX_SPEC_FILE_BYTES = 1024 * 1024
"""Bytes in one spec file (or vigil.lock.json), read no further: 1 MiB holds several thousand alarms."""

# YAML
MAX_NESTING_DEPTH = 64
"""Mappings and lists inside one another; the deepest example spec uses 8."""
MAX_ALIASES = 1000
"""Aliases (`*name`) in one file."""
MAX_VALUES = 100_000
"""Values in one parsed file (keys, scalars, mappings and lists), counting each alias as often as it is used, so
that a few aliases cannot stand for billions of values (the "billion laughs"). A 1 MiB file of alarms holds about
40,000."""
MAX_INTEGER_DIGITS = 4300
"""Digits in an integer: Python's own limit on converting text to int (sys.get_int_max_str_digits())."""

# Problems
MAX_PROBLEMS_PER_FILE = 100
"""Problems listed for one file; one more line counts the rest."""

# Jinja
MAX_TEMPLATE_TAGS = 1000
"""`{{ ... }}` and `{% ... %}` in one file: compiling a template takes time with their number (the example specs
use a few dozen)."""
MAX_RENDERED_CHARS = 2 * 1024 * 1024
"""Characters a file may render to, and that any one value inside a template may hold."""
MAX_TEMPLATE_WORK_CHARS = 8 * MAX_RENDERED_CHARS
"""Characters a template may produce in all, counting values that it builds and then discards."""
MAX_TEMPLATE_ITERATIONS = 100_000
"""Loop iterations in one rendering, over all loops (and numbers in one `range()`)."""
MAX_TEMPLATE_CALL_DEPTH = 32
"""Macro calls and recursive loops inside one another."""
MAX_TEMPLATE_SECONDS = 1.0
"""Wall-clock seconds one file may take to render for one environment."""
MAX_INTEGER_BITS = 16_384
"""Bits in an integer a template computes (about 4,900 digits)."""
MAX_ROUND_DIGITS = 100
"""Digits `round` may be asked for, either side of the point."""
