"""One module per subcommand, each exposing ``command`` (a click command).

Modules import only click at module level: heavy libraries (aioice, ipwhois, dnspython)
are imported inside the command body, so ``icecheck --help`` and ``icecheck sdp`` start fast.
"""

__all__ = ["COMMANDS"]

COMMANDS = (
    "sdp",
    "scan",
    "gather",
    "nat",
    "browser",
    "serve",
    "redact",
    "diff",
    "rules",
    "explain",
    "config",
    "completion",
)
