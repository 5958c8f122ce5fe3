"""Benchmarks for searchsvc: indexing rate, latency, throughput, memory and relevance, each measured
side by side with tantivy (BM25, Rust) as the reference. Run ``python -m bench --help``.

Everything here is outside the test suite's timing: ``tests/test_bench_quick.py`` only checks that the
``--quick`` modes still run. Results land in ``bench/results/`` as JSON; BENCHMARKS.md explains them.
"""
