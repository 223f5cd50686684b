"""Pure-Python planning: resolve specs for one environment, name things, check CloudWatch's limits."""
