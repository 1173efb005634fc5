"""Benchmark scripts (run as files: ``python benchmarks/conv2d.py --write``).

A regular package, so that ``benchmarks.common`` is this folder's module even where another
distribution installs a top-level ``benchmarks`` package (opacus 1.6 does).
"""
