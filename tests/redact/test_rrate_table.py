"""``table.Table`` and ``TextSet`` after they spill (rows written ``ROWS`` to a statement, copies page by
page, keys taken out) answer as a dict and a set of the same operations do; ``selfcheck.unkept`` of a
listing answers as the plain filter does."""

from __future__ import annotations

import ipaddress
import random

from icecheck.inputs import table
from icecheck.inputs.table import Budget, Table, TextSet
from icecheck.redact.selfcheck import unkept


def _keys(rng: random.Random, n: int) -> list[bytes]:
    return [rng.randbytes(rng.choice((4, 6, 16, rng.randrange(1, 40)))) for _ in range(n)]


def test_spilled_table_answers_as_a_dict() -> None:
    rng = random.Random(7)
    pool = _keys(rng, 3 * table.BATCH)
    tab, model = Table(Budget(50)), {}
    for key in pool:  # puts (values empty or not, in one statement's rows alike), adds, lookups
        step = rng.random()
        if step < 0.4 and key not in model:
            value = b"" if rng.random() < 0.5 else rng.randbytes(rng.randrange(1, 9))
            tab.put(key, value)
            model[key] = value
        elif step < 0.7:
            tab.add(key)
            model.setdefault(key, b"")
        else:
            assert tab.get(key) == model.get(key)
    assert tab.in_memory() < table.BATCH  # it spilled
    assert all(tab.get(key) == model.get(key) for key in pool)
    assert sorted(tab) == sorted(model)
    copy = tab.copy()
    gone = rng.sample(sorted(model), 500) + _keys(rng, 20)
    for key in gone:
        copy.discard(key)
        model.pop(key, None)
    assert len(copy) == len(model)
    assert sorted(copy) == sorted(model)
    assert all(copy.get(key) == model.get(key) for key in pool)
    assert all(tab.get(key) is not None for key in gone[:500])  # the original keeps them
    copy.close()
    tab.close()


def test_values_are_bound_per_row() -> None:
    """A statement's rows mix empty and other values: each key keeps its own."""
    tab = Table(Budget(1))
    items = [(i.to_bytes(4, "big"), b"" if i % 3 else i.to_bytes(2, "big")) for i in range(table.ROWS * 3 + 5)]
    for key, value in items:
        tab.put(key, value)
    assert [tab.get(key) for key, _ in items] == [value for _, value in items]
    tab.close()


def test_text_set_add_all_is_exact_after_spilling() -> None:
    rng = random.Random(3)
    words = [f"w{rng.randrange(200_000)}" for _ in range(120_000)]  # repeats, in and out of memory
    found, model = TextSet(), set()
    for at in range(0, len(words), 5000):
        found.update(words[at : at + 5000])
        model.update(words[at : at + 5000])
        assert len(found) == len(model)
    assert sorted(found) == sorted(model)
    less = found.without(["w1", "w2", *sorted(model)[:100]])
    assert sorted(less) == sorted(model - {"w1", "w2", *sorted(model)[:100]})
    found.close()
    less.close()


def test_unkept_of_a_listing_is_the_plain_filter() -> None:
    rng = random.Random(5)
    items = [str(ipaddress.IPv6Address(rng.getrandbits(128))) for _ in range(60_000)]
    items += ["::1", "127.0.0.1", "224.0.0.1", "10.1.2.3", "e::"]
    items += ["mac 010000000000", "mac 020000000001", "name a.local"]
    items += [f"10.0.{i >> 8}.{i & 255}" for i in range(2000)]
    listed = TextSet(items)

    def kept(addr: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
        return addr.is_loopback or addr.is_multicast or addr in ipaddress.ip_network("10.0.0.0/16")

    fast = unkept(listed, kept)
    plain = unkept(list(listed), kept)
    assert isinstance(plain, TextSet)
    assert sorted(fast) == sorted(plain)
    assert "10.1.2.3" in fast and "10.0.1.1" not in fast and "::1" not in fast and "e::" not in fast
    assert len(fast) == len(plain) > 59_000
    for s in (fast, plain, listed):
        s.close()
