"""CDK constructs that translate a resolved plan into resources; one module per kind. They never read specs."""
