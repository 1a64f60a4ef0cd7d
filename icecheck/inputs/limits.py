"""The one bound on what an input holds: distinct items (README, "Limits").

Repeats never count against it: they fold into the item they repeat (``inputs.sink``). The
bound guards against pathological inputs (millions of distinct addresses); an input that
reaches it still folds repeats of the items it holds, counts every sighting of an item it cannot
hold as ``unaudited`` (they are not kept, so not told apart), is ``partial``, and
``icecheck scan`` exits 2 unless ``--allow-partial``. Readers read ``limits.MAX_ITEMS`` at the
time they need it, so a test can lower it in one place.
"""

from __future__ import annotations

MAX_ITEMS = 10_000_000  # distinct candidates and addresses per input
IN_MEMORY = 50_000  # distinct items a sink holds as objects; past it the oldest half go to disk (``inputs.spill``)


def unaudited_message(n: int) -> str:
    """The diagnostic of an input that reached ``MAX_ITEMS`` (``n`` sightings of items not held)."""
    return (
        f"{n} sightings of items beyond the first {MAX_ITEMS:,} distinct ones were counted but not "
        "audited (the bound on distinct items per input): the audit is partial"
    )
