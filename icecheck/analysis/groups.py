"""Refs grouped by key in first-seen order, fed item by item from several sources (pure).

Inference and the rules read a party once, item by item (``infer.Inference``,
``rules.Evaluation``), but what they group follows a fixed order of sources: for example every
candidate's address, then every candidate's related address, then every other address. A
``Groups`` keeps one table per source and merges them when read: the keys of source 0 in
first-seen order, then the keys of source 1 not seen in source 0, and so on; a key's refs are
those of each source in turn, without repeats. That is what grouping the concatenated sources
gives, without holding the sources.

Memory: one entry per distinct key and source; a key with one ref holds that ref alone (most keys
of a large party: one address, one candidate), a set of refs only from the second one.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
Refs = str | dict[str, None]  # one ref, or refs in first-seen order (a dict as an ordered set)


class Groups(Generic[K]):
    """Keys → refs from ``sources`` sources (module docstring)."""

    __slots__ = ("parts",)

    def __init__(self, sources: int = 1) -> None:
        self.parts: list[dict[K, Refs]] = [{} for _ in range(sources)]

    def add(self, key: K, ref: str, source: int = 0) -> None:
        """``ref`` under ``key``, from ``source``."""
        part = self.parts[source]
        held = part.get(key)
        if held is None:
            part[key] = ref
        elif isinstance(held, str):
            if held != ref:
                part[key] = {held: None, ref: None}
        else:
            held[ref] = None

    def add_all(self, key: K, refs: Iterable[str], source: int = 0) -> None:
        """Each of ``refs`` under ``key``, from ``source``."""
        for ref in refs:
            self.add(key, ref, source)

    def __bool__(self) -> bool:
        return any(self.parts)

    def items(self) -> Iterator[tuple[K, tuple[str, ...]]]:
        """(key, refs) in first-seen order over the sources in turn (read once: the tables are
        emptied)."""
        parts = self.parts
        for n, part in enumerate(parts):
            later = parts[n + 1 :]
            for key, held in part.items():
                more = [p.pop(key) for p in later if key in p]
                if not more:
                    yield key, (held,) if isinstance(held, str) else tuple(held)
                    continue
                refs: dict[str, None] = {}
                for h in (held, *more):
                    if isinstance(h, str):
                        refs[h] = None
                    else:
                        refs.update(h)
                yield key, tuple(refs)
            part.clear()
