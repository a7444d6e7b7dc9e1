"""Benchmarks (developer scripts, not tests): see bench/README.md.

A package so that the load benchmarks' settings (``bench.settings``), URLs (``bench.urls``) and
shared modules (``bench.population``, ``bench.server``) import under one name.
"""
