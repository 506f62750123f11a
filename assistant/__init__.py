"""News Assistant: cited answers to questions over a folder of news articles."""

from . import offline

offline.enforce()

__version__ = "0.1.0"
