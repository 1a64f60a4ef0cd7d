"""``colonrun.windows``: every stretch of a colon-hex run between group boundaries that parses as an
address (eight groups, or up to seven around one ``::``), and nothing else; none where the run parses whole
(it is read and replaced as one address). Checked against a search of every stretch on seeded random runs
holding sites of two and three colons, groups of five digits and dotted quads. With a filter
(``only``), the windows whose values it may hold and the mapped IPv4 addresses, in the same order."""

from __future__ import annotations

import ipaddress
import random

from icecheck.redact.colonrun import COLON_RUN, ValueFilter, windows


def _every_reading(run: str) -> set[tuple[int, int, int]]:
    """Every stretch of ``run`` between group boundaries that ``ipaddress`` parses (``::`` alone left out)."""
    found = set()
    for a in range(len(run)):
        if a and run[a - 1] != ":" and run[a] != ":":
            continue
        for b in range(a + 1, min(len(run), a + 45) + 1):
            if b < len(run) and run[b] != ":" and run[b - 1] != ":":
                continue
            try:
                value = int(ipaddress.IPv6Address(run[a:b]))
            except ValueError:
                continue
            if run[a:b] != "::":
                found.add((a, b, value))
    return found


def test_windows_are_every_address_between_group_boundaries() -> None:
    """``colonrun.windows`` against a search of every stretch (none when the run parses whole)."""
    rng = random.Random(11)
    pieces = ["", "", "1", "ab", "fe80", "12345", "0", "ffff"]
    tried = 0
    for n in range(1500):
        length = rng.randrange(1, 20) if n % 10 else rng.randrange(60, 300)  # past the groups held at a time
        parts = [rng.choice([*pieces, format(rng.randrange(65536), "x")]) for _ in range(length)]
        run = ":".join(parts) + (":10.1.2.3" if rng.random() < 0.2 else "")
        if [m.group() for m in COLON_RUN.finditer(f" {run} ")] != [run]:
            continue
        tried += 1
        found = list(windows(run))
        try:
            ipaddress.IPv6Address(run)
            expected = set()
        except ValueError:
            expected = _every_reading(run)
        assert len(found) == len(set(found)), run
        assert set(found) == expected, run
    assert tried > 1000


def test_a_filtered_walk_yields_the_windows_the_filter_may_hold() -> None:
    """``windows(run, only)`` is ``windows(run)`` less the windows whose value the filter does not hold (a
    mapped IPv4 address kept whatever it holds); a filter of some of the run's own windows and of random
    values, so both kinds are met."""
    rng = random.Random(12)
    pieces = ["", "", "1", "ab", "fe80", "0", "ffff", "ffff"]
    compared = 0
    for _ in range(800):
        run = ":".join(rng.choice([*pieces, format(rng.randrange(65536), "x")]) for _ in range(rng.randrange(4, 120)))
        run += ":10.1.2.3" if rng.random() < 0.3 else ""  # (``COLON_RUN`` takes a dotted quad at a run's end)
        if [m.group() for m in COLON_RUN.finditer(f" {run} ")] != [run]:
            continue
        every = list(windows(run))
        values = ValueFilter()
        for _, _, value in every[::3]:
            values.add(value)
        for _ in range(20):
            values.add(rng.getrandbits(128))
        expected = [w for w in every if values.may_hold(w[2]) or w[2] >> 32 == 0xFFFF]
        assert list(windows(run, lambda v=values: v)) == expected, run
        compared += len(expected) < len(every)
    assert compared > 300
