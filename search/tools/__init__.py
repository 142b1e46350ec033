"""Benchmarks, evaluation and load tests: they use the engine; the engine never uses them."""
