"""From a file or a pushed story to chunks: reading (``ingest``), boilerplate, paragraphs, speaker
turns and roles (``chunking``, ``speakers``), and the analysis rules that turn text into terms.

Pure Python over strings: no storage engine and no numpy here, so every backend indexes exactly
the same chunks and terms.
"""
