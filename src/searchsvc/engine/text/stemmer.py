"""nltk's Snowball stemmer, imported without the parts of nltk that import scipy.

``import nltk.stem.snowball`` runs nltk's package ``__init__``, which imports its collocation
metrics, which import ``scipy.stats`` whenever scipy happens to be installed (the benchmark extras
bring it): 64 MB of resident memory and 0.6 s of start-up in every gunicorn worker, for nothing the
stemmer uses. nltk treats scipy as optional, so it is hidden while nltk loads; later imports of
scipy by anything else work as usual.
"""

from __future__ import annotations

import sys
from importlib.abc import MetaPathFinder


class _NoScipy(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "scipy" or name.startswith("scipy."):
            raise ImportError(f"{name} is not needed by searchsvc's stemmer")
        return None


def _load_snowball():
    if "nltk" in sys.modules:  # already loaded, as it is: nothing to save any more
        from nltk.stem.snowball import SnowballStemmer

        return SnowballStemmer
    blocker = _NoScipy()
    sys.meta_path.insert(0, blocker)
    try:
        from nltk.stem.snowball import SnowballStemmer
    finally:
        sys.meta_path.remove(blocker)
    return SnowballStemmer


SnowballStemmer = _load_snowball()
