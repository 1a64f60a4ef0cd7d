"""Evidence ids → what each names (pure): ``ById`` maps a finding's or an exposure's evidence ids
(``c1``, ``a1``...) to a value made from the candidate or address each names, without a table per item.
Shared by the renderers that place findings (``render.locate``) and the policy's allowlists
(``analysis.policy.drop_allowed``): a finding's evidence may name a million candidates.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TypeVar

from icecheck.inputs.numbers import decimal
from icecheck.model import AuditedAddress, AuditedCandidate, AuditResult

T = TypeVar("T")


class ById(Mapping[str, T]):
    """Evidence id → ``describe(item)`` without a table per item: the audit numbers candidates
    ``c1``, ``c2``... and addresses ``a1``... in order, so ``cN`` is the N-th candidate; an id found
    elsewhere (a result whose items were numbered otherwise) is looked up in a table built then, once."""

    def __init__(self, result: AuditResult, describe: Callable[[AuditedCandidate | AuditedAddress], T]) -> None:
        self.result, self.describe = result, describe
        self.table: dict[str, T] | None = None

    def __getitem__(self, ref: str) -> T:
        items = self.result.candidates if ref[:1] == "c" else self.result.addresses if ref[:1] == "a" else ()
        digits = ref[1:]
        n = (decimal(digits) if digits.isascii() else None) or 0
        if 0 < n <= len(items) and items[n - 1].id == ref:
            return self.describe(items[n - 1])
        if self.table is None:
            self.table = {c.id: self.describe(c) for c in self.result.candidates}
            self.table.update({a.id: self.describe(a) for a in self.result.addresses})
        return self.table[ref]

    def __iter__(self) -> Iterator[str]:
        yield from (c.id for c in self.result.candidates)
        yield from (a.id for a in self.result.addresses)

    def __len__(self) -> int:
        return len(self.result.candidates) + len(self.result.addresses)
