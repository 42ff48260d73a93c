"""gozt-lint: zero-trust checks of everything a Go build takes on faith."""

__version__ = "0.1.0"
