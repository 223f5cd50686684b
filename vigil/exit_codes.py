"""Every exit code of `vigil`, with what it means: the one table the CLI, its help and the documentation use."""

from __future__ import annotations

EXIT_OK = 0
"""Success: the specs are valid, the report was written, the lock is up to date."""
EXIT_ERROR = 1
"""Anything else went wrong: a usage error, AWS refused a call, a file could not be written, an internal error."""
EXIT_SPEC = 2
"""Problems in the spec files (one `file:line: field: message` line each), a stale lock under `lock --check`,
a refused drill in a protected environment, a command line argparse rejects, or an `--env`, `--target`,
`--region`, `-c env=` or `-c deployment=` that selects nothing there is (one `vigil: ...` line)."""
EXIT_FINDINGS = 3
"""`verify` found differences between the account and the plan, or dead alarms."""
EXIT_INTERRUPTED = 130
"""Interrupted with Ctrl-C (128 + SIGINT), as shells report it."""

EXIT_CODES: dict[int, str] = {
    EXIT_OK: "success",
    EXIT_ERROR: "anything else: usage, AWS, file system or internal error (one `vigil: ...` line on stderr)",
    EXIT_SPEC: "problems in the specs (one `file:line: field: message` line each on stderr), a stale lock "
               "(`lock --check`), a refused drill, or an invalid command line (an --env, --target or --region "
               "that selects nothing: one `vigil: ...` line)",
    EXIT_FINDINGS: "`verify` found differences or dead alarms",
    EXIT_INTERRUPTED: "interrupted (Ctrl-C)",
}
"""Exit code -> what it means, in order; rendered in `vigil --help` and in the CLI reference."""


def table() -> str:
    """The exit codes as aligned text lines, for help output."""
    return "\n".join(f"  {code:<4} {meaning}" for code, meaning in EXIT_CODES.items())
