"""contrefeu: tools for the receiving end of a hack-and-leak operation."""

__version__ = "0.1.0"
