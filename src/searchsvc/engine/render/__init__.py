"""From stored chunk text and match spans to what a reader sees: snippets with ``<mark>``s and
citations. Shared by every backend, so a hit looks the same whatever stored it."""
