"""icecheck: audit ICE candidates for what they reveal about a network.

The pipeline and each package's job are described in docs/architecture.md.
"""

__all__ = ["__version__"]

__version__ = "0.1.0"
