"""Benchmark of vigil at organisation scale: a synthetic spec repository and the measurements over it."""
