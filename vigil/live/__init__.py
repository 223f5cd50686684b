"""Commands that work with a live AWS account through boto3: import, verify and drill."""
