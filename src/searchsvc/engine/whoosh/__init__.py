"""The embedded storage backend: Whoosh for the authoritative index, plus flat posting files and
facet columns beside each segment that numpy reads for scoring and counting.

The only package that imports ``whoosh``: the store (one writer, generations), schema, analyzer,
codec and flat postings, columns, scoring, query translation and the reader.
"""
