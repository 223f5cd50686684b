"""The spec contract: pydantic models of the YAML files, and the loader that reads them with line numbers."""
