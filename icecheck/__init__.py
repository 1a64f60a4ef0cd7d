"""icecheck: audit ICE candidates for what they reveal about a network."""

__version__ = "0.1.0"
