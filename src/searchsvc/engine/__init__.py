"""The search engine: ingest → boilerplate → chunking → analysis → index → search → snippets.

Nothing in this package imports falcon or click; ``tests/test_layering.py`` enforces it.
"""
