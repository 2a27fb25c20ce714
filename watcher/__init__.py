"""watcher: a catalog-hijack watcher for Amazon sellers (Amazon.co.jp first)."""

__version__ = "0.1.0"
