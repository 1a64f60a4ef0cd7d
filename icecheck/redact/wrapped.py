"""Base64 wrapped over lines, rewritten in place: a MIME part or a SIP body with
``Content-Transfer-Encoding: base64`` (76 columns, CRLF), a PEM-like block, a HAR body or a JSON
string holding such text (its ``\\n`` escapes are line feeds once the string is decoded).

A wrapped run is what the output check reads as one (``selfcheck.WRAPPED_RUN``): lines of 16 base64
characters or more but the last, joined by a line break; in the URL-safe alphabet too
(``selfcheck.WRAPPED_RUN_URLSAFE``: a run with ``-`` or ``_`` in its lines but the last, rewritten in
that alphabet; the standard runs inside it are not read apart). Its lines are joined and decoded (the whole
run, else the run less its last line, when that line only looks like base64: ``INVITE`` after a SIP
body); only a canonical encoding is rewritten (encoding the decoded bytes again gives the run back, so
the new run differs from the old only where the redacted text does). Decoded text is redacted as the
text around it is (``text.redact_text``, one base64 level deeper), encoded again in the run's padding
style and wrapped again as it was: the first line as long as it was, the others as long as the
second, each line break the one the run used (all alike, else the same number of lines and the same
breaks in order, when the new run is as long as the old).

What cannot be rewritten so is refused (``WrappedRefused``, a ``RedactError``: nothing written), when
the output check would find an original in it: a run whose decoding is binary data (its strings),
gzip or a capture holding an address, a MAC or a name; lines of mixed widths, or mixed line breaks,
that the new length cannot keep; a run with no canonical reading (cut short, ``=`` inside); text whose
redaction leaves an original the check reads (so a refusal names the place, rather than the check
naming only the address). A run whose decoding changes nothing is left byte for byte.

``redact_wrapped`` rewrites the runs of a text and hands the text between them to the caller's
redaction; ``splits_run`` tells a streamed document where it must not be cut (``docstream``). A run
longer than ``LONG_RUN`` characters that starts a line is rewritten in pieces by ``longrun`` (same
output, bounded memory), as is one that a streamed text document cannot hold (``docstream``).
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Callable, Iterator
from typing import BinaryIO

from icecheck.redact.longrun import LAST_END, LongRun, _encoded
from icecheck.redact.longrun import WrappedRefused as WrappedRefused  # re-exported: the refusal of a run
from icecheck.redact.selfcheck import (
    PCAP_MAGICS,
    WRAPPED_RUN,
    WRAPPED_RUN_URLSAFE,
    WRAPPED_SEP,
    IPAddress,
    b64_decode,
    identifiers,
    in_binary,
    is_binary,
    is_kept,
    may_wrap,
)

_RUN = re.compile(WRAPPED_RUN)
_URLSAFE_RUN = re.compile(WRAPPED_RUN_URLSAFE)
_SEP = re.compile(f"({WRAPPED_SEP})")
Kept = Callable[[IPAddress], bool]


def redact_wrapped(
    text: str, redact_inner: Callable[[str], str], redact_rest: Callable[[str], str], kept: Kept
) -> str | None:
    """``text`` with each wrapped run that decodes to text rewritten (``redact_inner`` redacts its
    decoded text; a run it leaves as it was is kept byte for byte) and the text around them redacted by
    ``redact_rest``, left to right (so stand-ins are drawn in the order of the text, whether it is read
    whole or in pieces); None when no run decodes to text (then the caller redacts ``text`` as it would
    have). ``WrappedRefused`` for a run that cannot be rewritten and holds an original. A run longer
    than ``LONG_RUN`` is rewritten by ``longrun`` (spooled, decoded and encoded in windows; its decoded
    text redacted whole), with the same output."""
    probe = text.encode("utf-8", "surrogatepass")  # any lone surrogate encodes
    standard = may_wrap(probe, "standard")
    urlsafe = ("-" in text or "_" in text) and may_wrap(probe, "urlsafe")
    del probe
    if not (standard or urlsafe):
        return None
    out: list[str] = []
    done = 0
    for start, plan in _plans(text, kept, standard, urlsafe):
        out.append(redact_rest(text[done:start]) if done < start else "")
        if isinstance(plan, LongRun):
            plan.emit(out.append, redact_inner, _whole_text)
            done = start + plan.used
            continue
        lines, seps, decoded, url = plan
        old = "".join(p for pair in zip(lines, [*seps, ""], strict=True) for p in pair)
        new = _redacted(decoded, lines[0], redact_inner, kept)
        joined = "".join(lines)
        out.append(old if new is None else _wrap(_encoded(new, joined, url), lines, seps, lines[0]))
        done = start + len(old)  # a last line read as no part of the run is redacted with what follows
    if not out:
        return None
    out.append(redact_rest(text[done:]) if done < len(text) else "")
    return "".join(out)


Plan = tuple[list[str], list[str], bytes, bool]  # lines, line breaks, decoded text, URL-safe alphabet
LONG_RUN = 4 << 20  # characters of a run past which it is rewritten in pieces (``longrun``)


def _plans(text: str, kept: Kept, standard: bool, urlsafe: bool) -> Iterator[tuple[int, Plan | LongRun]]:
    """(where it starts, ``_plan`` or a ``LongRun``) of each run to rewrite, left to right: the URL-safe
    runs (``-`` or ``_`` in the lines rewritten but the last) and the standard runs (``_RUN``), none
    inside one yielded before (a standard run's part inside a URL-safe run: the alphabets' common
    characters; nor a URL-safe run that starts inside a standard one)."""
    runs = heapq.merge(
        ((m.start(), 1, m) for m in (_RUN.finditer(text) if standard else ())),
        ((m.start(), 0, m) for m in (_URLSAFE_RUN.finditer(text) if urlsafe else ())
         if text.find("-", m.start(), m.end()) >= 0 or text.find("_", m.start(), m.end()) >= 0),
    )  # fmt: skip
    claimed = 0  # the end of the last run yielded
    for start, kind, m in runs:
        if start < claimed:
            continue
        plan: Plan | LongRun | None = _long(text, m) if m.end() - start > LONG_RUN else None
        if plan is None:
            plan = _plan(m.group(), text[m.end() : m.end() + 1], kept, kind == 0)
        if plan is not None:
            claimed = start + (plan.used if isinstance(plan, LongRun) else _length(plan))
            yield start, plan


_DROPPED = re.compile(r"(?:\r?\n)[A-Za-z0-9+/_-]*+={0,2}")  # a last line read as no part of a run


def _long(text: str, m: re.Match[str]) -> LongRun | None:
    """The run ``m`` read as a ``LongRun`` when it starts a line and is planned so, ending where ``m``
    does (or before its last line, ``_plan``'s rule); else None (``_plan`` reads it whole)."""
    start = m.start()
    if start > 0 and text[start - 1] != "\n":
        return None
    run = LongRun()
    at, rest = start, None
    while rest is None:
        if at >= len(text):
            rest = run.end()
            break
        rest = run.feed(text[at : at + LONG_FEED])
        at += LONG_FEED
    end = start + run.used
    if run.ready and (end == m.end() or (end < m.end() and _DROPPED.fullmatch(text, end, m.end()))):
        return run
    run.close()
    return None


LONG_FEED = 1 << 20  # characters of a long run fed at a time


def _whole_text(decoded: BinaryIO) -> Iterator[str]:
    """A run's decoded text in one piece (as ``_redacted`` reads it: what it is redacted as)."""
    yield decoded.read().decode("utf-8", "surrogateescape")


def _length(plan: Plan) -> int:
    """The characters of the run a plan rewrites."""
    return sum(map(len, plan[0])) + sum(map(len, plan[1]))


def _plan(run: str, after: str, kept: Kept, urlsafe: bool) -> Plan | None:
    """(the lines of ``run`` that are one canonical encoding of text, the line breaks between them, the
    decoded text, ``urlsafe``); None for a run left to the text around it: no canonical reading, or binary
    data, gzip or a capture, when no original is read in it (else ``WrappedRefused``); with ``urlsafe``
    (``run`` in the URL-safe alphabet), also when its lines to rewrite but the last hold no ``-`` nor ``_``
    (a standard run, ``_RUN`` reads it, before a line such as ``--boundary--``). ``after``: the character
    after the run; unless it may end a base64 text (``LAST_END``) its last line is no part of it (``2026``
    of a time stamp ``2026-12-06`` after a line that ends in a long token)."""
    parts = _SEP.split(run)
    lines, seps = parts[0::2], parts[1::2]
    if after and after not in LAST_END and not run.endswith("="):
        lines, seps = lines[:-1], seps[:-1]
        if len(lines) < 2:
            return None
    for n in (len(lines), len(lines) - 1):
        if n < 2:
            break
        joined = "".join(lines[:n])
        if urlsafe and not any("-" in line or "_" in line for line in lines[: n - 1]):
            return None  # a standard run before a line such as ``--boundary--`` (``_RUN`` reads it)
        decoded = b64_decode(joined.encode("ascii"), urlsafe)
        if decoded is None or _encoded(decoded, joined, urlsafe) != joined:
            continue
        if decoded[:2] == b"\x1f\x8b" or decoded[:4] in PCAP_MAGICS or is_binary(decoded):
            if _originals(decoded, kept):
                kind = "gzip data" if decoded[:2] == b"\x1f\x8b" else "binary data"
                kind = "a capture" if decoded[:4] in PCAP_MAGICS else kind
                raise WrappedRefused(lines[0], f"decodes to {kind} holding an address, a MAC or a name, which"
                                     " cannot be rewritten in place")  # fmt: skip
            return None
        return lines[:n], seps[: n - 1], decoded, urlsafe
    if urlsafe and not any("-" in line or "_" in line for line in lines[:-1]):
        return None
    for reading in _readings(lines):  # no canonical reading: refused only where the check reads an original
        if _originals(reading, kept):
            raise WrappedRefused(lines[0], "has no canonical encoding (cut short, or padding inside) and holds an"
                                 " address, a MAC or a name")  # fmt: skip
    return None


def _readings(lines: list[str]) -> list[bytes]:
    """What the output check decodes from the lines (``selfcheck.wrapped_readings``)."""
    from icecheck.redact.selfcheck import wrapped_readings

    run = "\n".join(lines).encode("ascii")
    return list(wrapped_readings(run.translate(_TO_STANDARD)))


_TO_STANDARD = bytes.maketrans(b"-_", b"+/")


def _originals(decoded: bytes, kept: Kept) -> list[str]:
    """The identifiers the output check reads in a decoded run that must not survive (in binary data,
    only those its strings can hold: ``selfcheck.in_binary``)."""
    binary = is_binary(decoded)
    return sorted(i for i in identifiers(decoded) if (in_binary(i) or not binary) and not is_kept(i, kept))


def _redacted(decoded: bytes, first: str, redact_inner: Callable[[str], str], kept: Kept) -> bytes | None:
    """Decoded text redacted, or None when nothing changes; ``WrappedRefused`` where an original the
    output check reads would survive (looked for in runs of up to ``PRECHECK`` decoded bytes: in a
    longer one the output check names it, and it doubled the time of a long run)."""
    inner = decoded.decode("utf-8", "surrogateescape")
    new = redact_inner(inner)
    if new == inner:
        return None
    del inner
    raw = new.encode("utf-8", "surrogateescape")
    del new
    before = _originals(decoded, kept) if len(decoded) <= PRECHECK else []
    if before and set(before) & identifiers(raw):
        raise WrappedRefused(first, "decodes to text whose redaction would leave an address, a MAC or a name")
    return raw


PRECHECK = 1 << 20


def _wrap(encoded: str, lines: list[str], seps: list[str], first: str) -> str:
    """``encoded`` cut into lines as ``lines`` were (the first as long, the others as long as the
    second), joined by ``seps``' line break; lines of other widths, or mixed breaks, only when
    ``encoded`` is as long as the old run (then cut and joined exactly as it was)."""
    widths = [len(line) for line in lines]
    if len(encoded) == sum(widths):
        cuts, at = [], 0
        for width in widths:
            cuts.append(encoded[at : at + width])
            at += width
        return "".join(p for pair in zip(cuts, [*seps, ""], strict=True) for p in pair)
    width = widths[1] if len(widths) > 2 else widths[0]
    if any(w != width for w in widths[1:-1]) or widths[-1] > width or (len(widths) > 2 and widths[0] > width):
        raise WrappedRefused(first, "has lines of mixed widths that its new length cannot keep")
    if len(set(seps)) > 1:
        raise WrappedRefused(first, "has mixed line breaks that its new length cannot keep")
    out = [encoded[: widths[0]]]
    out += [encoded[at : at + width] for at in range(widths[0], len(encoded), width)]
    return seps[0].join(out)


_B64_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
_B64_16 = re.compile(r"[A-Za-z0-9+/_-]{16}")  # either alphabet (``_URLSAFE_RUN``), or both: no cut either way
_LINE_END = re.compile(r"[A-Za-z0-9+/_-]{16}(?:\r?\n?|\\(?:r(?:\\n?)?|n)?)\Z")  # and a line break begun


def splits_run(text: str, pos: int) -> bool:
    """A cut at ``pos`` would fall inside a wrapped run (``_RUN``, ``_URLSAFE_RUN``): inside or at either edge of a line
    break that follows 16 base64 characters and precedes a line of the run (``_next_line``; or the end
    of ``text``: not known yet).
    A streamed document is not cut there (``docstream``), so each run is rewritten whole."""
    size = len(text)
    if pos <= 0:
        return False
    for m in _SEP.finditer(text, max(0, pos - 4), min(size, pos + 4)):
        start, end = m.span()
        if start <= pos <= end and start >= 16 and _B64_16.fullmatch(text, start - 16, start) and _next_line(text, end):
            return True
    if size - pos <= 4:  # a line break begun (or ended) at the end: what follows is not known
        end_match = _LINE_END.search(text, max(0, size - 22))
        return end_match is not None and end_match.start() + 16 <= pos
    return False


_B64_PREFIX = re.compile(r"[A-Za-z0-9+/_-]++")


def _next_line(text: str, at: int) -> bool:
    """The line at ``at`` goes on a wrapped run: base64 characters up to padding, a line break or
    what may end a run (``LAST_END``), or up to the end of ``text`` (not known yet)."""
    m = _B64_PREFIX.match(text, at)
    if m is None:
        return False
    end = m.end()
    return end >= len(text) or text[end] == "=" or text[end] in LAST_END
