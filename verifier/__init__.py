"""roughatlas verifier: registry, whitelisting parser, trusted kernel, second opinions."""
__version__ = "0.1.0"
