"""Stand-ins made comparable between two runs (tests only): mDNS names numbered instead of random
(``uuid4``), and the run's key for secrets fixed (``token_bytes``), so two redactions of the same
input give the same bytes."""

from __future__ import annotations

import uuid

import pytest


class Numbered:
    """What ``icecheck.redact.standins`` takes from ``uuid`` and ``secrets``, made deterministic."""

    def __init__(self) -> None:
        self.n = 0

    def uuid4(self) -> uuid.UUID:
        self.n += 1
        return uuid.UUID(int=self.n)

    def token_bytes(self, n: int) -> bytes:
        return bytes(n)


def install(monkeypatch: pytest.MonkeyPatch) -> Numbered:
    """``standins`` draws from a new ``Numbered`` for the rest of the test."""
    import icecheck.redact.standins as module

    numbered = Numbered()
    monkeypatch.setattr(module, "uuid", numbered)
    monkeypatch.setattr(module, "secrets", numbered)
    return numbered
