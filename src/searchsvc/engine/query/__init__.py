"""The query language, independent of any storage: what a person typed → a syntax tree.

``tree`` holds the nodes; the parser builds them once per request and every backend translates the
same tree (Whoosh queries, OpenSearch query DSL), so no backend re-parses the user's text.
"""
