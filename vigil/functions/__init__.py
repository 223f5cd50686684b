"""AWS Lambda function sources bundled by vigil stacks."""

from pathlib import Path

SLACK_FORWARDER_DIR = Path(__file__).parent / "slack_forwarder"
"""Source folder of the Slack webhook forwarder, bundled as a Lambda asset."""
