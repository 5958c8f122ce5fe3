"""Where indexes written before the engine's packages moved find their analyzer.

Whoosh pickles ``NewsAnalyzer`` by module path into every index schema and backup; those older
indexes name this module. New indexes name :mod:`searchsvc.engine.whoosh.analyzer`.
"""

from .whoosh.analyzer import NewsAnalyzer

__all__ = ["NewsAnalyzer"]
