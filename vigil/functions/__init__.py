"""AWS Lambda function sources bundled by vigil stacks."""

from pathlib import Path

SLACK_FORWARDER_DIR = Path(__file__).parent / "slack_forwarder"
"""Source folder of the Slack webhook forwarder, bundled as a Lambda asset."""
LOG_RETENTION_SOURCE = Path(__file__).parent / "log_retention.py"
"""Source of the StackSet's log retention function, passed inline (Code.ZipFile: CloudFormation names it
index.py, so its handler is index.handler)."""
PYTHON_RUNTIME = "python3.14"
"""Lambda runtime of vigil's Python functions."""
