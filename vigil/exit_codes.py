"""The exit codes of every vigil command and of the CDK app (README, "Commands")."""

EXIT_OK = 0
"""Done; nothing to report."""
EXIT_ERROR = 1
"""A usage, AWS or file error, or `schema --check` found stale schemas."""
EXIT_SPEC = 2
"""The specs have problems (one `file:line: field: message` line each), or the lock is stale, or a protected
environment refused a drill: nothing was written or changed."""
EXIT_FINDINGS = 3
"""`verify` found drift or dead alarms."""
