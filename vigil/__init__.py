"""vigil: monitoring as code for AWS. YAML specs in, CloudFormation out."""

__version__ = "0.1.0"
