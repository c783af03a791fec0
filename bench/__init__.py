"""Benchmarks of the telephony screen-pop (``python bench/run.py``); see bench/README.rst."""
