"""The always-on check of a redaction: does any original identifier survive in the output?

Redaction fails closed: before anything is written, the identifiers of the input and of the output
are listed the same deliberately liberal way, and any identifier of the input that is still in the
output (and is not one the user chose to keep, such as a ``--keep-relay`` network or loopback) is a
survivor. ``icecheck redact`` then writes nothing, names the survivors and exits 3. An IPv6 address
of 0000::/8 with no IPv4 address inside names nothing and is kept (``reserved_v6``: ``e::``
in ``SdpType::kOffer``); a colon-hex run glued to letters is read as any other (``x2001:db8::1``).

An identifier is an IPv4 address (dotted quad, zero padding allowed), an IPv6 address (brackets, zone,
a trailing port or a leading ``name:`` are tried away), a MAC (six hex pairs with ``:``, ``-`` or
``.``-separated triples) or a ``.local`` name, found in every view of the bytes:
- the raw bytes read as Latin-1, and the same with percent (RFC 3986 §2.1, applied twice),
  ``\\uXXXX``/``\\xXX`` and HTML character references undone;
- the decoding of every base64 run of 16 characters or more, and the inflation of every gzip member
  found inside (bounded, two levels deep); a capture found this way is listed as a capture;
- the decoding of every base64 run wrapped over lines (``WRAPPED_RUN``: LF, CRLF or their JSON escapes;
  in the URL-safe alphabet too, ``WRAPPED_RUN_ANY``),
  its lines joined, with and without its last line, each read from each of its first four characters
  (``wrapped_readings``: an address encoded at any of the 3 byte offsets of a quantum is read whatever
  characters the run starts with; ``redact.wrapped`` rewrites such runs);
- for captures, the addresses in every decodable IP header and Ethernet header (packed, not text) and
  every address ``icecheck scan`` reads (STUN XOR addresses, SIP in TCP streams and fragments, ...).

A colon-hex run is read whole, less a trailing group or port, less a leading label, and in parts where
it holds a second ``::`` (``v6_reading_spans``), whatever its length (``V6_RUN``, ``LONG_V6_RUN``). In the
output, the check also looks for the input's identifiers in every window of a run (a stretch of its groups
that parses as an address: ``colonrun``), in every view: an original inside a run that reads as no
address whole (``…:e032:2a00:1450:4001:82b::200e:fddb:…``) is a survivor; the redactor replaces it.

A capture is listed as a stream (``capture_identifiers``: bounded memory whatever its size), its raw
bytes in pieces cut only where a printable run ends (between two lines of a wrapped run, the next piece
starting ``WRAPPED_OVERLAP`` bytes before the cut or more). A base64 run longer than a piece (a HAR
body) is cut 4-aligned from its start, so each piece of it decodes; one that decodes to gzip or a
capture is also decoded whole to a temporary file and listed as a stream (``long_base64_identifiers``).
A large document's identifiers are listed as a stream too (``stream_identifiers``) into a
``table.TextSet``, which past ``limits.IN_MEMORY`` entries lives in a temporary SQLite file: memory
stays bounded whatever number of distinct addresses it holds.
"""

from __future__ import annotations

import binascii
import contextlib
import html
import io
import ipaddress
import itertools
import re
import zlib
from collections.abc import Callable, Collection, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from icecheck.inputs import limits
from icecheck.inputs.table import TextSet
from icecheck.redact.archive import RedactError
from icecheck.redact.colonrun import HEX_COLON, RunOriginals, parse_address, v6_str
from icecheck.redact.colonrun import IPAddress as IPAddress
from icecheck.redact.colonrun import v6_value as v6_value

_V4 = re.compile(r"(?<![0-9])(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?![0-9])")
# A colon-hex run as the check reads one (``v6_reading_spans``), of 65 groups at most (a run of more than
# 10 was not read at all; ``sre`` keeps some 140 bytes a repeat for backtracking: 100 MB for a 1 MB run
# unbounded; a longer run is ``LONG_V6_RUN``'s); the redactor reads the same runs inside its own tokens
# where it reads no address (``text._as_checked``).
V6_RUN = _V6 = re.compile(
    r"(?<![0-9A-Fa-f:])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,64}(?:(?<=:)\d{1,3}(?:\.\d{1,3}){3})?(?![0-9A-Fa-f:])"
)
# A run of the same shape past 65 groups, read the same way (``v6_readings``: in parts where it holds a
# second ``::``; whole it reads as nothing): the repeat possessive, so ``sre`` keeps nothing a repeat, and the
# dotted quad after a colon as ``V6_RUN`` takes it (a run of 65 groups or fewer is not matched).
LONG_V6_RUN = re.compile(
    r"(?<![0-9A-Fa-f:])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){65,}+"
    r"(?:(?:(?<=:\d)|(?<=:\d\d)|(?<=:\d\d\d))(?:\.\d{1,3}){3})?(?![0-9A-Fa-f:])"
)
# A MAC is six hex pairs standing alone: not the tail or head of a longer colon-hex run (a DTLS
# fingerprint, RFC 8122 §5, is 32 pairs and holds many six-pair windows).
_MAC = re.compile(
    r"(?<![0-9A-Fa-f])(?<![0-9A-Fa-f][:-])(?:[0-9A-Fa-f]{2}([:-])[0-9A-Fa-f]{2}(?:\1[0-9A-Fa-f]{2}){4}"
    r"|[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4})(?![0-9A-Fa-f])(?![:-][0-9A-Fa-f])"
)
# ``product/1.2.3.4`` (RFC 9110 §10.1.5, a User-Agent or Server token) is a version, not an address;
# ``/path/10.1.2.3`` is an address.
VERSION_BEFORE = re.compile(r"(?:^|[\s(;,\"'=])[A-Za-z][\w.+-]*/$")
_NAME = re.compile(r"(?<![\w.-])[A-Za-z0-9](?:[A-Za-z0-9.-]{0,250}[A-Za-z0-9])?\.local(?![\w-])", re.I)
_LOCAL = re.compile(r"\.local", re.I)
PERCENT_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")  # RFC 3986 §2.1 (``percent_decoded``)
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\x([0-9A-Fa-f]{2})")
# A base64 run (standard or URL-safe alphabet, RFC 4648 §4 and §5), 16 characters or more: the one
# definition of what the check decodes and what redaction rewrites (``text``'s base64 pass reads the
# same runs, decoded by ``b64_decode``, down to the same ``B64_DEPTH``).
B64_RUN = r"[A-Za-z0-9+/]{16,}={0,2}|[A-Za-z0-9_-]{16,}={0,2}"
B64_DEPTH = 2  # base64 decodings the redactor rewrites inside one another (the check reads them all: ``_collect``)
_B64 = re.compile(B64_RUN.encode())
# Two lines or more of one base64 run (``WRAPPED_RUN``, read by ``wrapped`` too): lines of 16 characters
# or more but the last, joined by a line break (LF, CRLF) or by its JSON escape (``\\n``, ``\\r\\n``: a
# JSON string holding a MIME body). An attempt starts only where no base64 character precedes (or right
# after an escaped line break) and never backtracks into a line, so a long run is read once, not once
# per offset. ``WRAPPED_SEP`` splits a run into its lines.
WRAPPED_SEP = r"\r?\n|(?:\\r)?\\n"


def _wrapped_run(chars: str) -> str:
    """A wrapped run of the base64 characters ``chars`` (a character class's inside)."""
    return rf"(?:(?<![{chars}\\])|(?<=\\[nr]))(?:[{chars}]{{16,}}+(?:{WRAPPED_SEP}))+[{chars}]++={{0,2}}"


WRAPPED_RUN = _wrapped_run("A-Za-z0-9+/")
# The same over both alphabets (RFC 4648 §5, URL-safe: ``-`` and ``_`` for ``+`` and ``/``): a run of it
# that holds neither ``-`` nor ``_`` is a standard run (``_WRAPPED`` finds it alike), and every standard
# run lies inside one of it. A run holding ``-`` or ``_`` is read whole as well (its lines are no
# standard run: an address across one of its line breaks went unread) beside the standard runs inside.
WRAPPED_RUN_ANY = _wrapped_run(r"A-Za-z0-9+/_\-")
WRAPPED_RUN_URLSAFE = _wrapped_run(r"A-Za-z0-9_\-")  # ``redact.wrapped`` rewrites such a run
_WRAPPED = re.compile(WRAPPED_RUN.encode())
_WRAPPED_ANY = re.compile(WRAPPED_RUN_ANY.encode())
_TO_STANDARD = bytes.maketrans(b"-_", b"+/")
_WRAPPED_SEP = re.compile(WRAPPED_SEP.encode())
_GZIP = re.compile(rb"\x1f\x8b\x08")
B64_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_ANY_B64_CHARS = B64_CHARS + "-_"  # either alphabet (a wrapped run's lines: ``splits_wrapped``, ``may_wrap``)
_PRINTABLE = re.compile(r"[\x20-\x7e]{7,}")
# Bytes inflated from gzip members inside one document or capture, at most (``PastInflateBudget``): 64 MiB,
# and ``INFLATE_PER_BYTE`` more for each byte of it read (a capture of many small gzip responses is read
# through, a small document holding a gzip bomb is not).
MAX_INFLATE = 64 << 20
INFLATE_PER_BYTE = 8
MEMBER_HELD = 4 << 20  # bytes one gzip member inside is inflated to, in memory, at most (``PastInflateBudget``)


class PastInflateBudget(RedactError):
    """Gzip data inside a document or capture inflates past ``MAX_INFLATE`` bytes in all, or one member
    past ``MEMBER_HELD``: what lies past that is not read, so the listing cannot say what it holds. Fail
    closed: the run is refused, and a body redaction cannot read is removed (``formats.unread_body``).
    (Cut short without a word, a HAR body of gzip inflating to 300 MB went out whole with the addresses
    at its end, "output checked"; read whole, one of 12 MB of distinct addresses held 518 MB.)"""

    def __init__(self, member: bool = False) -> None:
        what = (
            f"a gzip member inside inflates past {MEMBER_HELD >> 20} MiB, more than the output check holds in memory"
            if member
            else f"compressed data inside inflates past what the output check reads ({MAX_INFLATE >> 20} MiB, "
            f"and {INFLATE_PER_BYTE} bytes for each byte of the input)"
        )
        super().__init__(f"cannot redact: {what}; decompress it and redact what is inside apart")


PCAP_MAGICS = (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d", b"\x0a\x0d\x0d\x0a")


def survivors(original: bytes, redacted: bytes, kept: Callable[[IPAddress], bool]) -> list[str]:
    """The identifiers of ``original`` still in ``redacted`` (sorted), less the kept addresses."""
    return left_in(identifiers(original), redacted, kept)


def left_in(before: set[str], redacted: bytes, kept: Callable[[IPAddress], bool]) -> list[str]:
    """Which of the input's identifiers ``before`` are still in ``redacted`` (sorted), less the kept: in
    colon-hex runs' windows too (``colonrun``)."""
    return still_in({i for i in before if not is_kept(i, kept)}, redacted)


def still_in(secret: set[str], redacted: bytes) -> list[str]:
    """Which of ``secret`` (identifiers that must not survive: ``secret_of``) are still in ``redacted``."""
    return sorted(secret & identifiers(redacted, among=secret)) if secret else []


def secret_of(
    found: Iterable[str], kept: Callable[[IPAddress], bool], reserve: Callable[[IPAddress], None]
) -> set[str]:
    """The identifiers of ``found`` that must not survive (``is_kept`` says which stay), each address
    among them (kept or not) handed to ``reserve`` on the way: one parse of each, for a document
    held in memory (``addresses`` and ``is_kept`` each parsed 95,000 distinct IPv6 addresses again)."""
    secret: set[str] = set()
    for identifier in found:
        if identifier.startswith(("mac ", "name ")):
            if not is_kept(identifier, kept):
                secret.add(identifier)
            continue
        addr = parse_address(identifier)
        if addr is not None:
            reserve(addr)
            if not _kept_address(addr, kept):
                secret.add(identifier)
    return secret


def addresses(found: Iterable[str]) -> Iterator[IPAddress]:
    """The IP addresses among identifiers (to reserve them: no stand-in may equal an original)."""
    for identifier in found:
        if not identifier.startswith(("mac ", "name ")):
            addr = parse_address(identifier)
            if addr is not None:
                yield addr


def unkept(found: Iterable[str], kept: Callable[[IPAddress], bool]) -> TextSet:
    """The identifiers of ``found`` that must not survive (``is_kept`` says which stay), as a
    ``TextSet`` (bounded in memory: a large document's output check). From a ``TextSet`` (a streamed
    document's listing), a copy of it less the kept ones when they are few (``limits.IN_MEMORY`` at
    most): not each identifier filed again."""
    if isinstance(found, TextSet):
        kept_ones: list[str] = []
        for identifier in found:
            if is_kept(identifier, kept):
                kept_ones.append(identifier)
                if len(kept_ones) > limits.IN_MEMORY:
                    break
        else:
            return found.without(kept_ones)
    return TextSet(i for i in found if not is_kept(i, kept))


def identifiers(data: bytes, among: Collection[str] | None = None) -> set[str]:
    """Every identifier in every view of ``data`` (see the module doc), in canonical text form. Past
    ``LISTED_WHOLE`` bytes, listed in pieces as a streamed document is (``stream_identifiers``: a
    document of one long wrapped run held its lines, its decoding and its decoding's printable runs at
    once, 230 MB for 15 MB). ``among`` (the output check: the originals it looks for): those of them in
    the windows of colon-hex runs too (``colonrun``), and, past ``LISTED_WHOLE``, only those."""
    if data[:4] in PCAP_MAGICS:
        return _held(capture_identifiers(lambda: io.BytesIO(data), among=among))
    if len(data) > LISTED_WHOLE:
        return _held(stream_identifiers(lambda: io.BytesIO(data), among=among))
    found: set[str] = set()
    budget = [MAX_INFLATE + INFLATE_PER_BYTE * len(data)]
    _collect(data, found, depth=0, budget=budget, within=None if among is None else RunOriginals(among))
    return found


LISTED_WHOLE = 4 << 20  # bytes of a document ``identifiers`` lists whole, at most


def _held(listed: TextSet) -> set[str]:
    """A listing's identifiers as a set in memory (for data held in memory already), its file closed."""
    found = set(listed)
    listed.close()
    return found


def capture_identifiers(
    open_input: Callable[[], BinaryIO],
    by_record: bool = False,
    among: Collection[str] | None = None,
    within: RunOriginals | None = None,
) -> TextSet:
    """``identifiers`` of a capture, read as a stream (three passes, each in bounded memory): the
    raw bytes in pieces that keep every printable run whole, the header addresses of every frame,
    and what ``icecheck scan`` reads from it. ``by_record`` (for redaction's own output, whose
    records are all well formed): the bytes are read record by record instead, each frame apart from
    the record's header and trailer, so text cut at a frame's end (a stand-in split between TCP
    segments) is not read on into the next record's time stamp or a block's length. ``among``: only
    those identifiers are kept (the output check), looked for in colon-hex runs' windows too (``within``,
    given for a capture inside a document: the originals of the document's check). The result is a
    ``TextSet``: a capture of millions of clients' addresses stays bounded in memory."""
    found = TextSet()
    within = within if within is not None or among is None else RunOriginals(among)

    def add(here: Iterable[str]) -> None:
        found.update(here if among is None else (i for i in here if i in among))

    budget = [MAX_INFLATE]
    with open_input() as stream:
        for piece in _record_views(stream) if by_record else pieces(stream):
            here: set[str] = set()
            budget[0] += INFLATE_PER_BYTE * len(piece)
            _collect(piece, here, depth=0, budget=budget, within=within)
            add(here)
    _capture_identifiers(open_input, add)
    return found


def stream_identifiers(
    open_input: Callable[[], BinaryIO], refuse_nul: bool = False, among: Collection[str] | None = None
) -> TextSet:
    """``identifiers`` of a document (not a capture) read as a stream: its bytes in ``pieces``
    (each cut where a printable run ends, or inside a long run where it is safe: ``pieces``), one
    inflation budget for all. ``refuse_nul``: a NUL byte anywhere is ``RedactError`` (text never holds
    one: ``formats.detect``'s rule, for a document not read whole). ``among``: only those identifiers
    are kept (the output check: the set of the output's identifiers is never built whole), looked for in
    colon-hex runs' windows too (``colonrun``). The
    result is a ``TextSet``: bounded in memory however many distinct identifiers there are."""
    from icecheck.redact.archive import RedactError

    found = TextSet()
    budget = [MAX_INFLATE]
    within = None if among is None else RunOriginals(among)
    with open_input() as stream:
        for piece in pieces(stream):
            if refuse_nul and b"\x00" in piece:
                raise RedactError("format not understood: binary data that is not pcap, pcapng, gzip, xz, bzip2 or zip")
            here: set[str] = set()
            budget[0] += INFLATE_PER_BYTE * len(piece)
            _collect(piece, here, depth=0, budget=budget, within=within)
            found.update(here if among is None else (i for i in here if i in among))
    long_base64_identifiers(
        open_input, lambda here: found.update(here if among is None else (i for i in here if i in among))
    )
    return found


_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
_NOT_ALPHABET = re.compile(rb"[^A-Za-z0-9+/=]")


def long_base64_identifiers(open_input: Callable[[], BinaryIO], add: Callable[[Iterable[str]], object]) -> None:
    """The identifiers inside every base64 run longer than ``MAX_CARRY`` that decodes to gzip or a
    capture (a HAR body), each run's handed to ``add`` as a ``TextSet``: ``pieces`` cuts such a run,
    so only its first piece would be read as one. The run is decoded to a temporary file as it is read
    (from its start, after a byte outside the standard alphabet) and listed whole as a stream: a capture
    by ``capture_identifiers``, gzip inflated to a file (up to ``MAX_INFLATE`` bytes) and listed as
    ``stream_identifiers`` or ``capture_identifiers`` does. Text runs are read in ``pieces`` already."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="icecheck-check-") as tmp, open_input() as stream:
        path = Path(tmp) / "run"
        carry = b""  # the run the data read so far ends in, while it is no longer than MAX_CARRY
        out: BinaryIO | None = None  # the decoded run, once longer
        pending = b""  # its characters not decoded yet (fewer than 4, or the run's start)
        while True:
            chunk = stream.read(CHUNK)
            if out is not None:
                m = _NOT_ALPHABET.search(chunk)
                pending += chunk if m is None else chunk[: m.start()]
                n = len(pending) // 4 * 4
                out.write(binascii.a2b_base64(pending[:n]))
                pending = pending[n:]
                if m is None and chunk:
                    continue
                with contextlib.suppress(binascii.Error):
                    out.write(binascii.a2b_base64(pending + b"=" * (-len(pending) % 4)))
                out.close()
                out, pending = None, b""
                _decoded_identifiers(path, Path(tmp), add)
                chunk = chunk[m.start() :] if m is not None else b""
            if not chunk:
                return
            buf = carry + chunk
            lead = len(buf) - len(buf.lstrip(_ALPHABET)) if carry else 0
            if carry and lead < len(buf) and lead > MAX_CARRY:  # a long run that ended in this chunk
                path.write_bytes(_b64_all(buf[:lead]))
                _decoded_identifiers(path, Path(tmp), add)
            tail = len(buf) - len(buf.rstrip(_ALPHABET))
            if tail > MAX_CARRY:
                out = path.open("wb")
                pending, carry = buf[len(buf) - tail :], b""
                n = len(pending) // 4 * 4
                out.write(binascii.a2b_base64(pending[:n]))
                pending = pending[n:]
            else:
                carry = buf[len(buf) - tail :] if tail else b""


def _b64_all(run: bytes) -> bytes:
    try:
        return binascii.a2b_base64(run + b"=" * (-len(run) % 4))
    except binascii.Error:
        return b""


def _decoded_identifiers(path: Path, tmp: Path, add: Callable[[Iterable[str]], object]) -> None:
    """A long base64 run's decoding (``long_base64_identifiers``): a capture's or gzip's identifiers, to
    ``add`` from the listing's ``TextSet`` (never a set of them all: 60 MB inflated of distinct addresses)."""
    with path.open("rb") as fh:
        head = fh.read(4)
    if head[:4] in PCAP_MAGICS:
        _added(capture_identifiers(lambda: path.open("rb")), add)
        return
    if head[:2] != b"\x1f\x8b":
        return
    inflated = tmp / "inflated"
    with path.open("rb") as fh, inflated.open("wb") as out:
        z, size = zlib.decompressobj(31), 0
        with contextlib.suppress(zlib.error):
            while size < MAX_INFLATE and (block := fh.read(1 << 20)):
                piece = z.decompress(block, MAX_INFLATE - size)
                out.write(piece)
                size += len(piece)
                while z.unconsumed_tail and size < MAX_INFLATE:
                    piece = z.decompress(z.unconsumed_tail, MAX_INFLATE - size)
                    out.write(piece)
                    size += len(piece)
        if size >= MAX_INFLATE and not z.eof:
            raise PastInflateBudget()
    with inflated.open("rb") as fh:
        head = fh.read(4)
    if head in PCAP_MAGICS:
        _added(capture_identifiers(lambda: inflated.open("rb")), add)
    else:
        _added(stream_identifiers(lambda: inflated.open("rb")), add)


def _added(listed: TextSet, add: Callable[[Iterable[str]], object]) -> None:
    """``listed`` handed to ``add``, then its file closed."""
    try:
        add(listed)
    finally:
        listed.close()


CHUNK = 1 << 20
SOFT_CARRY = 1 << 20  # a printable run longer than this is cut before its last separator (exactly)
# With no separator: cut after a byte outside base64's alphabets, OVERLAP bytes read twice; a base64
# run longer than this (a HAR body, streamed by ``docstream``) is cut inside, 4-aligned from its start.
MAX_CARRY = (16 << 20) + (2 << 20)
OVERLAP = 1 << 20
# Printable bytes that no identifier, no encoding (percent, ``\\u``/``\\x``, an HTML reference) and no
# base64 run holds, and that every view keeps as they are: a match in any view of a run lies wholly
# before or wholly after one, and what a look-around reads across one is the same in a piece.
SEPARATORS = tuple(bytes([b]) for b in b" !\"'()*,<>?@[]^`{|}~$")
_NOT_B64 = bytes(0x61 if chr(b).isascii() and (chr(b).isalnum() or chr(b) in "+/=_-") else 0 for b in range(256))


def pieces(stream: BinaryIO) -> Iterator[bytes]:
    """``stream`` in pieces of about ``CHUNK`` bytes, each cut where a printable run ends (so no
    identifier, base64 run or text view is split) and before a gzip header near its end. A printable
    run longer than ``SOFT_CARRY`` is cut before a ``SEPARATORS`` byte (what any view finds is the same
    as in the whole run); one with none for ``MAX_CARRY`` bytes after a byte outside base64's
    alphabets, the next piece starting ``OVERLAP`` bytes before the cut (an identifier or an encoded one
    across the cut is read whole there). A base64 run longer than ``MAX_CARRY`` is cut inside, each cut
    a multiple of 4 characters from the run's start (carried from piece to piece: every next piece
    starts a multiple of 4 after it), so every piece's part of the run decodes to a part of what the
    whole run decodes to, and the decoded overlap (3/4 of ``OVERLAP``) holds any identifier across a
    cut. A wrapped run in a JSON string (``\\n`` line breaks, one printable run) is cut as one over
    lines is (``_escaped_break``). Memory: a few copies of one piece."""
    carry = b""
    searched = 0  # carry[:searched] was searched for a separator and holds none that may be cut at
    while True:
        chunk = stream.read(CHUNK)
        if not chunk:
            if carry:
                yield carry
            return
        buf = carry + chunk
        # the carry is one printable run: the cut is after the chunk's last byte that is not printable
        # (found over a marked copy, not byte by byte: a long run cost a Python step per byte)
        last = chunk.translate(_MARK).rfind(b"\x00")
        cut = len(carry) + last + 1 if last >= 0 else carry.translate(_MARK).rfind(b"\x00") + 1
        gz = buf.rfind(b"\x1f\x8b\x08", max(0, len(buf) - 65536))
        if gz >= 0:
            cut = min(cut, gz)
        if splits_wrapped(buf, cut):  # between two lines of a wrapped run: the next piece starts lines before
            back = buf.rfind(b"\n", 0, max(0, cut - WRAPPED_OVERLAP)) + 1
            if back > 0:
                piece, carry, searched = buf[:cut], buf[back:], 0
                del buf
                yield piece
                del piece
                continue
            if len(buf) <= MAX_CARRY:  # too little read for an overlap: read on
                carry = buf
                continue
        if len(buf) - cut > SOFT_CARRY:
            lo = max(cut + 1, searched)
            sep = max(buf.rfind(s, lo) for s in SEPARATORS)
            if sep > cut:
                cut = sep
            else:
                searched = len(buf)
                escaped = _escaped_break(buf, cut)
                back = buf.rfind(b"\\n", cut, max(0, escaped - WRAPPED_OVERLAP)) + 2 if escaped > 0 else 0
                if back >= cut + 2:  # a wrapped run in a JSON string: cut as between lines (see above)
                    piece, carry, searched = buf[:escaped], buf[back:], 0
                    del buf
                    yield piece
                    del piece
                    continue
        if len(buf) - cut > MAX_CARRY:
            overlap = OVERLAP // 4 * 4
            hard = buf.translate(_NOT_B64).rfind(b"\x00") + 1
            if hard <= max(cut, 2 * overlap):
                # a base64-alphabet run too long to hold (a HAR body): cut inside it where a multiple of 4
                # characters from its start (``hard``, or the carry's start, itself aligned) ends, so each
                # piece's part decodes as the whole run's does, the next piece starting ``overlap`` before
                hard += (len(buf) - hard) // 4 * 4
            piece, carry, searched = buf[:hard], buf[hard - overlap :], 0
            del buf  # not held beside the piece while it is read
            yield piece
            del piece
            continue
        piece, carry = buf[:cut], buf[cut:]
        del buf
        yield piece
        del piece
        searched = max(0, searched - cut)


# A wrapped run longer than a piece is cut between two lines, the next piece starting this many bytes
# (or more) before the cut, at a line's start: an identifier across the cut is read whole there (an
# encoded name is some 350 characters), from whichever of its first four characters it is aligned to.
WRAPPED_OVERLAP = 1 << 10
_RUN_LINE_END = re.compile(rb"(?:[A-Za-z0-9+/]{16}|[A-Za-z0-9_-]{16})(?:\r?\n|(?:\\r)?\\n)\Z")


def _escaped_break(buf: bytes, lo: int) -> int:
    """The end of the last JSON-escaped line break (``\\n``) after ``lo`` between two lines of a wrapped
    run (``splits_wrapped``; a few tried from the end), or -1. A printable run cut there, the next
    piece starting ``WRAPPED_OVERLAP`` bytes before at a line's start, is read as a whole one is: no
    identifier and no view holds a backslash, and a base64 token read from the ``n`` on is read in the
    piece before."""
    pos = len(buf)
    for _ in range(64):
        pos = buf.rfind(b"\\n", lo, pos)
        if pos < 0:
            return -1
        if splits_wrapped(buf, pos + 2):
            return pos + 2
    return -1


def splits_wrapped(buf: bytes, cut: int) -> bool:
    """A cut at ``cut``, after a line break, would split a wrapped run (``_WRAPPED``): the line before
    ends in 16 base64 characters and the next starts with one, or is not read yet."""
    if not _RUN_LINE_END.search(buf, max(0, cut - 20), cut):
        return False
    return cut >= len(buf) or chr(buf[cut]) in _ANY_B64_CHARS


def _record_views(stream: BinaryIO) -> Iterator[bytes]:
    """Every record's parts (header, frame, the rest), NUL-separated so that no printable run
    joins two parts, batched into pieces of about ``CHUNK`` bytes."""
    from icecheck.inputs.pcapfile import PacketReader, packet_block

    batch = bytearray()
    for order, kind, body in PacketReader(stream, lambda *_: None).records():
        block = packet_block(kind, body, order) if kind else None  # where a pcapng packet block's frame lies
        if kind == 0:  # pcap: 16-byte record header, frame
            parts = [body[:16], body[16:]]
        elif block is not None:  # fixed fields, frame, padding and options
            frame, caplen = block[2], block[3]
            parts = [body[:frame], body[frame : frame + caplen], body[frame + caplen :]]
        else:
            parts = [body]
        for part in parts:
            batch += part
            batch += b"\x00"
        if len(batch) >= CHUNK:
            yield bytes(batch)
            batch.clear()
    if batch:
        yield bytes(batch)


def _collect(data: bytes, found: set[str], depth: int, budget: list[int], within: RunOriginals | None = None) -> None:
    """The identifiers of ``data`` into ``found``; ``within``: the originals the output check looks for in
    colon-hex runs' windows (``colonrun``), None for the input's listing."""
    if depth and data[:4] in PCAP_MAGICS:  # a capture inside (base64 in a HAR body, a gzip member)
        found |= _held(capture_identifiers(lambda: io.BytesIO(data), within=within))
        return
    # Every identifier is printable ASCII of 7 characters or more (``1.2.3.4``, ``a.local``): only such
    # runs are searched, which keeps binary captures fast without missing one.
    # The runs are searched joined by line feeds (no identifier, and no decoding a view undoes, holds
    # one; ``VERSION_BEFORE`` reads one as the start of a run): one search per view, not one per run.
    spans = _printable_spans(data)
    _run_tokens("\n".join([data[start:end].decode("latin-1") for start, end in spans]), found, within)
    # Every layer of base64 is read, not only the ``B64_DEPTH`` the redactor rewrites: what it left deeper
    # is found in its output, which is then refused (an address encoded three times went out unread,
    # "output checked"). Each layer is 3/4 of the one around it and 16 characters at least: this ends.
    # Base64 wrapped over lines (MIME bodies, PEM, 76 columns): an identifier whose encoding crosses a
    # line break is seen only with the lines joined (``wrapped_readings``). The readings are read in
    # batches, NUL-separated (no view, token or run crosses one): one call each for text and binary
    # data per ``_BATCH`` bytes, not one per reading (a log whose lines end in long tokens has a run at
    # every line); a capture or gzip stream alone.
    readings: list[tuple[bool, bytes]] = []
    held = 0
    joined: list[tuple[int, int]] = []  # where runs lie whose lines the joined reading decodes whole
    for start, end, run in _wrapped_runs(data) if may_wrap(data) else ():
        if start >= 0:
            joined.append((start, end))
        for decoded in wrapped_readings(run):
            if decoded[:4] in PCAP_MAGICS or decoded[:2] == b"\x1f\x8b":
                _collect(decoded, found, depth + 1, budget, within)
                continue
            readings.append((is_binary(decoded), decoded))
            held += len(decoded)
            del decoded
            if held > _BATCH:
                _read_batch(readings, found, depth + 1, budget, within)
                readings, held = [], 0
    _read_batch(readings, found, depth + 1, budget, within)
    del readings
    # A base64 run is printable: it lies inside one of the runs (searched there, not in binary data),
    # and is decoded from a view of ``data`` (a long HAR body: no copy of it beside the piece). The
    # lines of a wrapped run read whole above are not decoded again one by one: each decodes to a
    # piece of that reading, and a line that starts inside an identifier reads its tail as one (the
    # stand-in ``….local`` of a name cut as the original was: ``1.local`` both sides, a false refusal).
    whole = memoryview(data)
    at = 0  # the first of ``joined`` that may still hold a match
    for m in (m for start, end in spans if end - start >= 16 for m in _B64.finditer(data, start, end)):
        start, end = m.span()
        while at < len(joined) and joined[at][1] <= start:
            at += 1
        if at < len(joined) and joined[at][0] <= start and end <= joined[at][1]:
            continue
        piece = b64_decode(whole[start:end], data.find(b"-", start, end) >= 0 or data.find(b"_", start, end) >= 0)
        if piece and is_binary(piece):  # its strings: only what names a network (``in_binary``)
            inner: set[str] = set()
            _collect(piece, inner, depth + 1, budget, within)
            found.update(i for i in inner if in_binary(i))
        elif piece:
            _collect(piece, found, depth + 1, budget, within)
        del piece
    for m in _GZIP.finditer(data):
        inflated = _inflate(data[m.start() :], budget)
        if inflated:
            _collect(inflated, found, depth + 1, budget, within)


def _wrapped_runs(data: bytes) -> Iterator[tuple[int, int, bytes]]:
    """The wrapped runs of ``data`` (``_WRAPPED``) and, as standard base64, those of either alphabet that
    hold a ``-`` or ``_`` (``WRAPPED_RUN_ANY``): one pass over ``data``, the standard runs inside such
    a run found in it alone. Each with where it lies when its lines are each a piece of its joined
    reading (``aligned``), else -1, -1."""
    for m in _WRAPPED_ANY.finditer(data):
        start, end = m.span()
        run = m.group()
        if data.find(b"-", start, end) < 0 and data.find(b"_", start, end) < 0:
            yield (start, end, run) if aligned(run) else (-1, -1, run)  # the standard run (``_WRAPPED``) found here
            continue
        run = run.translate(_TO_STANDARD)
        yield (start, end, run) if aligned(run) else (-1, -1, run)
        for inner in _WRAPPED.finditer(data, start, end):
            yield -1, -1, inner.group()  # (inside the run above)


def aligned(run: bytes) -> bool:
    """Whether each line of a wrapped run (standard alphabet) decodes alone to a piece of what its
    lines joined decode to: they do, whole (``b64_decode``), and each line but the last is whole
    quanta (a multiple of 4 characters; else a line read alone is read at another byte offset)."""
    lines = _WRAPPED_SEP.split(run)
    return all(len(line) % 4 == 0 for line in lines[:-1]) and b64_decode(b"".join(lines), False) is not None


def _line_mark(chars: str) -> bytes:
    return bytes(0x61 if chr(b) in chars else b if b in b"\r\n\\" else 0x20 for b in range(256))


_LINE_MARKS = (_line_mark(_ANY_B64_CHARS), _line_mark(B64_CHARS), _line_mark(B64_CHARS[:62] + "-_"))
_ALPHABETS = ("any", "standard", "urlsafe")


def may_wrap(data: bytes, alphabet: str = "any") -> bool:
    """``data`` may hold a wrapped run (``_WRAPPED_ANY``; ``alphabet`` "standard": ``_WRAPPED``,
    "urlsafe": its URL-safe twin): 16 base64 characters before a line break or a backslash somewhere
    (found over a marked copy at memory speed; the pattern tried at every word cost more than all the
    rest of a log's check)."""
    marked = data.translate(_LINE_MARKS[_ALPHABETS.index(alphabet)])
    return any(marked.find(b"a" * 16 + end) >= 0 for end in (b"\n", b"\r\n", b"\\"))


_BATCH = 1 << 20  # bytes of wrapped runs' readings read in one call (``_collect``), about


def _read_batch(
    readings: list[tuple[bool, bytes]], found: set[str], depth: int, budget: list[int], within: RunOriginals | None
) -> None:
    """``_collect`` of decoded readings, (binary, data) pairs: the text ones together, the binary ones
    together (only the identifiers binary data's strings can hold: ``in_binary``)."""
    for binary in (False, True):
        part = b"\x00".join(data for kind, data in readings if kind == binary)
        if not part:
            continue
        if binary:
            inner: set[str] = set()
            _collect(part, inner, depth, budget, within)
            found.update(i for i in inner if in_binary(i))
        else:
            _collect(part, found, depth, budget, within)
        del part


def wrapped_readings(run: bytes) -> Iterator[bytes]:
    """What a wrapped run (``_WRAPPED``) may encode, each decoding not empty: its lines joined; when
    that does not decode, joined without the last line (a line that only looks like base64: ``INVITE``
    after a SIP body, ``a`` of ``a=`` after an SDP value; else it decodes to more of the same bytes);
    and unless it decodes to text (or gzip, a capture: the run starts where its encoding does), each
    read from its second, third and fourth character too (``shifted``): an identifier encoded at any
    of the 3 byte offsets of a quantum is read whatever characters the run starts with."""
    lines = _WRAPPED_SEP.split(run)
    joined = b"".join(lines)
    whole = b64_decode(joined, False)
    if whole is not None:
        yield whole
        if not is_binary(whole):
            return
        yield from shifted(joined)
        return
    yield from shifted(joined)
    if len(lines) > 2:
        shorter = joined[: len(joined) - len(lines[-1])]
        if (decoded := b64_decode(shorter, False)) is not None:
            yield decoded
        yield from shifted(shorter)


def shifted(run: bytes) -> Iterator[bytes]:
    """The decodings (``b64_decode``, standard alphabet) of ``run`` read from its second, third and
    fourth characters (its whole quanta from there): those that decode and are not empty."""
    for shift in range(1, 4):
        part = run[shift : shift + (len(run) - shift) // 4 * 4]
        decoded = b64_decode(part, False) if part else None
        if decoded:
            yield decoded


def _run_tokens(run: str, found: set[str], within: RunOriginals | None = None) -> None:
    """The identifiers in every view of printable runs (no view outlives the call)."""
    for view in _views(run):
        found.update(_tokens(view, within))


_MARK = bytes(0x61 if 0x20 <= b <= 0x7E else 0 for b in range(256))  # printable → "a", the rest → NUL


def printable_runs(data: bytes) -> list[str]:
    """``_PRINTABLE.findall`` of ``data`` read as Latin-1, found with ``bytes.find`` over a marked copy
    (each printable byte an ``a``): binary data is passed over at memory speed, not byte by byte."""
    return [data[start:end].decode("latin-1") for start, end in _printable_spans(data)]


def _printable_spans(data: bytes) -> list[tuple[int, int]]:
    """Where ``printable_runs`` lie in ``data`` (start, end)."""
    marked = data.translate(_MARK)
    spans: list[tuple[int, int]] = []
    pos = 0
    while True:
        pos = marked.find(b"aaaaaaa", pos)
        if pos < 0:
            return spans
        end = marked.find(b"\x00", pos)
        end = len(data) if end < 0 else end
        spans.append((pos, end))
        pos = end


def _views(text: str) -> Iterator[str]:
    """``text``, and each decoding of it by percent escapes, by ``\\u``/``\\x`` escapes and by HTML
    character references, each kind layer after layer (``%252E``: twice) until nothing changes: what the
    redactor left deeper than it rewrites (percent escapes two layers deep: ``text.PERCENT_DEPTH``) is
    found in its output, which is then refused (an address percent-encoded three times went out unread,
    "output checked"). Past ``VIEW_LAYERS`` layers of one kind, ``RedactError``."""
    yield text
    yield from decodings(text, "%", percent_decoded)
    yield from decodings(text, "\\", lambda view: _ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), view))
    yield from decodings(text, "&", html.unescape)


VIEW_LAYERS = 16  # decodings of one kind the check reads inside one another (``_views``), at most


def percent_decoded(text: str) -> str:
    """``text`` with each percent escape decoded once (RFC 3986 §2.1)."""
    return PERCENT_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


def decodings(text: str, sign: str, decode: Callable[[str], str]) -> Iterator[str]:
    """The decodings of ``text`` by ``decode``, each of the one before, while it holds ``sign`` and changes
    (``VIEW_LAYERS`` at most, then ``RedactError``)."""
    view = text
    for layer in range(VIEW_LAYERS + 1):
        if sign not in view:
            return
        decoded = decode(view)
        if decoded == view:
            return
        if layer == VIEW_LAYERS:
            raise RedactError(f"cannot redact: escapes nested more than {VIEW_LAYERS} layers deep (not read through)")
        yield decoded
        view = decoded


def _tokens(text: str, within: RunOriginals | None = None) -> Iterator[str]:
    dotted: dict[str, str | None] = {}  # a match's canonical address (None: a part past 255), per match text
    for m in _V4.finditer(text):
        raw = m.group()
        canonical = dotted.get(raw, "")
        if canonical == "":
            if len(dotted) >= _DOTTED:
                dotted.clear()
            parts = [int(p) for p in m.groups()]  # canonical already (``ipaddress`` cost 15 µs a token)
            canonical = dotted[raw] = ".".join(map(str, parts)) if all(p <= 255 for p in parts) else None
        at = m.start()  # (a version ends in "/" or "/\n" before it: the search only then)
        if canonical is not None and not (
            "/" in text[at - 2 : at] and VERSION_BEFORE.search(text, max(0, at - 64), at)
        ):
            yield canonical
    for m in _V6.finditer(text):
        yield from v6_readings(m.group())
    for m in LONG_V6_RUN.finditer(text):
        yield from v6_readings(m.group())
    if within is not None:
        yield from within.found_in(text)
    for m in _MAC.finditer(text):
        yield "mac " + re.sub(r"[^0-9a-f]", "", m.group().lower())
    if _LOCAL.search(text):  # (in every ``_NAME`` match: a SIP log's every word was read to its end and back)
        for m in _NAME.finditer(text):
            yield "name " + m.group().lower()


_DOTTED = 1 << 12  # distinct dotted matches ``_tokens`` remembers at a time


def v6_readings(token: str) -> Iterator[str]:
    """Parses of a colon-hex run: whole, less a trailing port group, less a leading label (the first
    that parses, canonical; a mapped IPv4 address as IPv4), and those of its parts where it holds a
    second ``::`` or a ``:::`` (``v6_reading_spans``). A run with neither has one reading at most: read
    without the generators of its parts (the listing and the output check read every address so)."""
    if ":::" not in token and token.count("::") < 2:
        if not token.translate(HEX_COLON):  # ``v6_reading`` by value: no address object
            found = _plain_reading(token)
            if found is not None:
                value = found[2]
                yield str(ipaddress.IPv4Address(value & 0xFFFFFFFF)) if value >> 32 == 0xFFFF else v6_str(value)
            return
        reading = v6_reading(token)
        if reading is not None:
            addr = reading[2]
            yield v6_str(int(addr)) if addr.version == 6 else str(addr)
        return
    for addr in v6_reading_addresses(token):
        yield v6_str(int(addr)) if addr.version == 6 else str(addr)


def v6_reading_addresses(token: str) -> Iterator[IPAddress]:
    """``v6_readings`` as addresses (a mapped IPv4 address as an ``IPv4Address``)."""
    for reading in v6_reading_spans(token):
        yield reading[2]


_SITE = re.compile(r"::+")  # a site of two colons or more in a colon-hex run


def v6_reading_spans(token: str) -> Iterator[tuple[int, int, IPAddress]]:
    """Each reading of a colon-hex run and where its text lies in ``token`` (start, end, address):
    ``v6_reading``'s; and where the run holds a second ``::`` or a ``:::`` (which no address does),
    those of its parts, cut where each such ``::`` starts: each part, the part without its leading
    colons, and the part with the text after the site of colons before it, each read as a run
    (``v6_reading``: whole, less a trailing group, less a leading label; ``::`` and ``::1`` left out).
    ``2a00:1450:4001:82b::200e:::1`` reads as nothing whole, but as ``2a00:1450:4001:82b::200e`` in
    its first part; ``1:::2a00:1450:4001:82b:0:0:0:1`` as ``2a00:1450:4001:82b::1`` in its second
    part bare; ``::1::2a00:1450::5`` as ``2a00:1450::5`` in its last part with the text before it.
    The redactor replaces what is read here (``text._as_checked``). Linear in the run's length: a part
    at a time."""
    first = v6_reading(token)
    if first is not None:
        yield first
    if ":::" not in token and token.count("::") < 2:
        return
    done = {first[:2]} if first is not None else set()
    start, site_end, before = 0, 0, 0  # the part's start, where its site ends (0: none), the text before it
    after = 0  # where the text after the last site seen starts
    for j, m in enumerate(_SITE.finditer(token)):  # one part at a time: no list of a long run's sites
        if j or m.end() - m.start() > 2:  # a cut: the part before it ends
            yield from _part_readings(token, start, site_end, before, m.start(), done)
            start, site_end, before = m.start(), m.end(), after
        after = m.end()
    yield from _part_readings(token, start, site_end, before, len(token), done)


def _part_readings(
    token: str, start: int, site_end: int, before: int, stop: int, done: set[tuple[int, int]]
) -> Iterator[tuple[int, int, IPAddress]]:
    """``v6_reading_spans`` of one part ``token[start:stop]``: the part, and where it starts at a site
    (ending at ``site_end``), the part bare and from ``before`` on; none read before (``done``, which
    holds the spans of the part before it at most)."""
    spans = [(start, stop), (site_end, stop), (before, stop)] if site_end else [(start, stop)]
    found: set[tuple[int, int]] = set()
    for at, end in spans:
        text = token[at:end]
        if end - at == len(token) or ("::" not in text and text.count(":") not in (7, 8) and "." not in text):
            continue  # (what else ``v6_reading`` reads as nothing)
        if text.strip(":").lstrip("0") in ("", "1"):  # at most ``::1`` (``:::1``), skipped below
            continue
        reading = v6_reading(text)
        if reading is None or int(reading[2]) <= 1:  # ``::`` and ``::1`` name nothing (``is_kept``)
            continue
        span = (at + reading[0], at + reading[1])
        if span not in done and span not in found:
            found.add(span)
            yield span[0], span[1], reading[2]
    done.clear()
    done |= found


def _tries(token: str) -> list[tuple[int, int]]:
    """Where ``v6_reading`` reads a colon-hex run, in order: whole; then less a trailing port group (an
    unbracketed address and port) or, with ``::``, less a trailing group, less a leading label."""
    groups = token.strip(":").split(":") if "::" not in token and token.count(":") <= 10 else None
    tries = [(0, len(token))]
    if groups is not None and len(groups) == 9 and groups[-1].isdigit():  # an unbracketed address and port
        start = len(token) - len(token.lstrip(":"))
        tries.append((start, start + len(":".join(groups[:8]))))
    elif "::" in token:
        tries += [(0, token.rfind(":")), (token.find(":") + 1, len(token))]  # less a trailing group, a label
    return tries


def v6_reading(token: str) -> tuple[int, int, IPAddress] | None:
    """The reading of a colon-hex run (``v6_readings``) and where its text lies in ``token`` (start,
    end, address), or None: the redactor replaces that text when it reads no address in a run
    (``text._as_checked``)."""
    if not token.translate(HEX_COLON):  # hex digits and colons only: ``v6_value`` parses it
        found = _plain_reading(token)
        if found is None:
            return None
        addr = ipaddress.IPv6Address(found[2])
        return found[0], found[1], addr.ipv4_mapped or addr
    for start, end in _tries(token):
        try:
            addr = ipaddress.IPv6Address(token[start:end])
        except ValueError:
            continue
        return start, end, addr.ipv4_mapped or addr
    return None


def _plain_reading(token: str) -> tuple[int, int, int] | None:
    """``v6_reading`` of a run of hex digits and colons, by value: (start, end, the address's value)."""
    for start, end in _tries(token):
        value = v6_value(token[start:end])
        if value is not None:
            return start, end, value
    return None


def b64_decode(run: bytes | memoryview, urlsafe: bool | None = None) -> bytes | None:
    """A base64 run decoded (standard or URL-safe alphabet, padding added), else None: text, what is
    read inside (gzip, a capture) and binary data alike, whose printable runs ``_collect`` searches (an
    address in the strings of a binary body is found, ``in_binary``). ``run`` is not copied unless it must be;
    ``urlsafe``: it holds ``-`` or ``_`` (found here when None; say it for a memoryview)."""
    if urlsafe is None:
        urlsafe = b"-" in bytes(run) or b"_" in bytes(run)
    try:
        if len(run) % 4:
            run = bytes(run) + b"=" * (-len(run) % 4)
        if urlsafe:
            run = bytes(run).translate(bytes.maketrans(b"-_", b"+/"))
        decoded = binascii.a2b_base64(run)
    except (binascii.Error, ValueError):
        return None
    return decoded or None


def _inflate(data: bytes, budget: list[int]) -> bytes | None:
    """The gzip member at the start of ``data`` inflated (None where it is none), taken from ``budget``;
    ``PastInflateBudget`` where it inflates past what is left of it, or past ``MEMBER_HELD``."""
    z = zlib.decompressobj(31)
    limit = min(budget[0], MEMBER_HELD)
    try:
        out = z.decompress(data, max(limit, 1))
    except zlib.error:
        return None
    if len(out) > limit or (len(out) == limit and not z.eof and z.unconsumed_tail):
        raise PastInflateBudget(member=limit == MEMBER_HELD)
    budget[0] -= len(out)
    return out


def _capture_identifiers(open_input: Callable[[], BinaryIO], add: Callable[[Iterable[str]], None]) -> None:
    """Header addresses of every decodable frame (IPv6 routing headers' and Home Address options'
    too), and what ``icecheck scan`` reads from the capture, to ``add`` in canonical form, up to
    ``_BATCH_IDS`` distinct ones at a time."""
    batch: set[str] = set()
    for found in itertools.chain(_header_identifiers(open_input), _scanned_addresses(open_input)):
        batch.update(found)
        if len(batch) >= _BATCH_IDS:
            add({_canonical(i) for i in batch})
            batch = set()
    add({_canonical(i) for i in batch})


def _header_identifiers(open_input: Callable[[], BinaryIO]) -> Iterator[Iterable[str]]:
    """Each decodable frame's MAC and IP header addresses (and its IPv6 extension headers')."""
    from icecheck.inputs.netdecode import decode_ip, ip_text, link_payload
    from icecheck.inputs.pcapfile import PacketReader

    with open_input() as stream:
        for _number, _time, linktype, frame, _length in PacketReader(stream, lambda *_: None).packets():
            if linktype == 1 and len(frame) >= 12:
                yield ("mac " + frame[0:6].hex(), "mac " + frame[6:12].hex())
            packet = link_payload(linktype, frame)
            ip = decode_ip(packet) if packet else None
            if ip is not None and not isinstance(ip, str):
                yield (ip_text(ip.src), ip_text(ip.dst))
                if packet is not None and len(ip.src) == 16:  # routing headers, Home Address options
                    yield _extension_addresses(packet)


def _scanned_addresses(open_input: Callable[[], BinaryIO]) -> Iterator[Iterable[str]]:
    """The address of each candidate and address ``icecheck scan`` reads from the capture."""
    from icecheck.inputs.capture import CaptureScan
    from icecheck.inputs.sink import Sink
    from icecheck.model import InputKind

    sink = Sink("capture")
    with open_input() as stream, contextlib.suppress(Exception):  # what scan read before a failure counts
        CaptureScan(sink).run(stream)
    doc = sink.document(InputKind.PCAP)
    for c in doc.candidates:
        yield (c.candidate.address,)
    for a in doc.addresses:
        yield (a.address,)


_BATCH_IDS = 1 << 16  # distinct identifiers of a capture's headers and scan gathered before they are listed


def _extension_addresses(packet: bytes) -> list[str]:
    """The addresses in an IPv6 packet's extension headers (``netdecode.ipv6_extension_fields``)."""
    from icecheck.inputs.netdecode import ip_layout, ip_text, ipv6_extension_fields

    layout = ip_layout(packet)
    if layout is None or isinstance(layout, str):
        return []
    fields = ipv6_extension_fields(packet, layout.fragment or layout.start)
    return [ip_text(packet[at : at + 16]) for at, _, address in fields if address]


def _canonical(text: str) -> str:
    if text.startswith(("mac ", "name ")):
        return text
    try:
        addr = ipaddress.ip_address(text.strip("[]").split("%", 1)[0])
    except ValueError:
        return "name " + text.lower() if text.lower().endswith(".local") else text
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped:
        return str(addr.ipv4_mapped)
    return str(addr)


_NAT64 = ipaddress.IPv6Network("64:ff9b::/32")  # RFC 6052's /96 and RFC 8215's 64:ff9b:1::/48: IPv4 inside


def reserved_v6(addr: IPAddress) -> bool:
    """An IPv6 address of 0000::/8 that embeds no IPv4 address: it names nothing, and is kept (by
    ``standins.StandIns.kept``, and so by the output check: ``is_kept``).

    0000::/8 is reserved by the IETF (RFC 4291 §2.4, IANA's IPv6 address space registry); no
    interface is numbered from it but ``::1``, and its only uses embed an IPv4 address: IPv4-mapped
    and -compatible addresses and SIIT's ``::ffff:0:a.b.c.d`` (the IPv4 address in the last 32
    bits: those past 0.255.255.255 are not reserved here) and NAT64 (64:ff9b::/32, any prefix
    length, not reserved here). What is left is what text that is no address reads as: ``e::`` in
    ``SdpType::kOffer``, ``de::dec`` in ``Code::Decode``, ``c::`` in ``rtc::Thread`` (a colon-hex
    token glued to letters on both sides). A glued token elsewhere (``x2001:db8::1``, ``fe80::1z``)
    is an address to both the redactor and the check, as any other: this rule goes by what an
    address can name, not by what stands beside its text, so no glued address can slip through."""
    if not isinstance(addr, ipaddress.IPv6Address):
        return False
    value = int(addr)
    return value >> 120 == 0 and value & 0xFFFFFFFF < 1 << 24 and addr not in _NAT64


_TEXT_BYTES = bytes([9, 10, 13, *range(32, 127)])
_NAMING_V6 = tuple(ipaddress.IPv6Network(n) for n in ("2000::/3", "fc00::/7", "fe80::/10", "64:ff9b::/96"))


def is_binary(data: bytes) -> bool:
    """Decoded data that is neither text (90 % printable, in its first 4 KiB) nor read inside (gzip, a
    capture): an image, a font, a program (``formats._readable``'s rule)."""
    if data[:2] == b"\x1f\x8b" or data[:4] in PCAP_MAGICS:
        return False
    head = data[:4096]
    return len(head) - len(head.translate(None, _TEXT_BYTES)) < 0.9 * len(head)


def in_binary(identifier: str) -> bool:
    """An identifier the strings of binary data can hold by chance or mean: IPv4 addresses, MACs and
    names count; an IPv6 address only where it names a network (global unicast, unique-local,
    link-local, NAT64) or embeds an IPv4 one (mapped, or compatible beyond 0.255.255.255). Random
    bytes read as ``::d`` or ``1::f`` otherwise, and every image would be taken for a leak."""
    try:
        addr = ipaddress.ip_address(identifier)
    except ValueError:
        return True
    if isinstance(addr, ipaddress.IPv4Address):
        return True
    return any(addr in net for net in _NAMING_V6) or bool(addr.ipv4_mapped) or (1 << 24) <= int(addr) < (1 << 32)


def is_kept(identifier: str, kept: Callable[[IPAddress], bool]) -> bool:
    if identifier.startswith("mac "):  # group (multicast, broadcast) and all-zero MACs name no device
        return int(identifier[4:6], 16) & 1 == 1 or identifier == "mac 000000000000"
    if identifier.startswith("name "):
        return False
    addr = parse_address(identifier)
    if addr is None:
        return True  # not an address after all: nothing to keep secret
    return _kept_address(addr, kept)


def _kept_address(addr: IPAddress, kept: Callable[[IPAddress], bool]) -> bool:
    return reserved_v6(addr) or kept(addr)  # 0000::/8 without IPv4 inside names nothing (``reserved_v6``)
