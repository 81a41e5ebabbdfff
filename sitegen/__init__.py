"""sitegen: a static news-site generator for Vietnamese ministry portals."""

__version__ = "0.1.0"
