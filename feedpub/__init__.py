"""feedpub: publish RSS 2.0 and Atom 1.0 feeds from Markdown articles, and validate any feed."""

__version__ = "0.1.0"
