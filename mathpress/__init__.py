"""mathpress: a static blog generator for people who write mathematics."""

__version__ = "0.1.0"
