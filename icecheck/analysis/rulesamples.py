"""Each rule's sample: an SDP offer that triggers it, installed with the package (``icecheck/data/rules``).

``samples/rules`` in the repository is the same folder, so ``icecheck explain`` and ``icecheck rules
--format json`` show the very text the test suite audits.
"""

from __future__ import annotations

from importlib.resources import files


def sample(rule_id: str) -> str | None:
    """The text of ``<rule_id>.sdp``, or None when the rule has no sample (or it was not installed)."""
    try:
        return (files("icecheck") / "data" / "rules" / f"{rule_id}.sdp").read_text(encoding="utf-8")
    except OSError:
        return None
