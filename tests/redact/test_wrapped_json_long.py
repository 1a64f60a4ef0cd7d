"""A wrapped base64 run in a JSON string (its line breaks ``\\n`` or ``\\r\\n`` escapes: a MIME body in a
JSON log) longer than a streamed document may hold (``docstream.MAX_WHOLE``) is rewritten in pieces
(``longrun.LongRun``, its escapes read as line breaks as the run is read and written again so): it was
refused ("runs more than N MiB characters with no place where it can be cut"). The streamed output is
byte for byte the output of the document redacted whole. Bounds lowered as in ``test_wrapped_long``."""

from __future__ import annotations

import base64
import json
import random
import re
import uuid

import pytest

import icecheck.redact.docstream as docstream
from icecheck.redact.archive import RedactError
from tests.redact.numbered import install
from tests.redact.test_docstream import streamed, whole
from tests.redact.test_redact_wrapped_base64 import assert_no_original, wrap

BOUND = 20_000


@pytest.fixture(autouse=True)
def _small_bounds(monkeypatch: pytest.MonkeyPatch) -> None:
    install(monkeypatch)
    monkeypatch.setattr(docstream, "MAX_WHOLE", BOUND)


def _text(n: int) -> str:
    return "".join(f"a=candidate:{i} 1 udp 2122260223 10.9.{i % 250}.7 5000 typ host µ~?>\n" for i in range(n))


def _same(data: bytes, scrub: bool = False) -> bytes:
    expected = whole(data, scrub)
    for chunk, held in ((4096, 2000), (1 << 16, 5000)):
        assert streamed(data, chunk, held, scrub) == expected, (chunk, held)
    return expected


def _value(out: bytes, key: str) -> str:
    for line in out.decode().splitlines():
        record = json.loads(line)
        if key in record:
            return str(record[key])
    raise AssertionError(key)


@pytest.mark.parametrize("sep", ["\n", "\r\n"])
@pytest.mark.parametrize("urlsafe", [False, True])
@pytest.mark.parametrize("lead", ["", "before é 10.1.2.4\n"])
def test_a_run_in_a_json_string_past_the_bound_is_rewritten_as_whole(sep: str, urlsafe: bool, lead: str) -> None:
    encoded = (base64.urlsafe_b64encode if urlsafe else base64.b64encode)(_text(1000).encode()).decode()
    run = wrap(encoded, 76, sep)
    assert len(run) > 3 * BOUND
    records = [{"a": "10.1.2.3"}, {"t": 1, "b64": f"{lead}{run}{sep}after 10.1.2.5"}, {"z": 1}]
    data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()
    out = _same(data)
    value = _value(out, "b64")
    head, new = value.split("\n", 1) if lead else ("", value)
    assert head.startswith("before é ") == bool(lead) and "10.1.2.4" not in head
    new, after = new.rsplit(sep + "after ", 1)
    assert "10.1.2.5" not in after
    lines = new.split(sep)
    assert all(len(line) == 76 for line in lines[:-1]) and re.fullmatch(r"[A-Za-z0-9_=-]+" if urlsafe else
                                                                        r"[A-Za-z0-9+/=]+", "".join(lines))  # fmt: skip
    decoded = (base64.urlsafe_b64decode if urlsafe else base64.b64decode)("".join(lines)).decode()
    assert decoded.count("a=candidate:") == 1000
    assert not re.search(r"10\.9\.\d+\.7", decoded)
    assert_no_original(out, ["10.1.2.3", "10.1.2.5"])


def test_secrets_in_a_run_in_a_json_string_are_scrubbed_as_whole() -> None:
    sdp = "a=ice-ufrag:Fh3kq9\r\na=ice-pwd:Zx81mQ0aa7Lr2vPq9cXn4kTe\r\n" + _text(800)
    record = {"sdp_b64": wrap(base64.b64encode(sdp.encode()).decode(), 76, "\r\n"), "note": "ufrag Fh3kq9 again"}
    out = _same((json.dumps(record) + "\n").encode(), scrub=True)
    decoded = base64.b64decode("".join(_value(out, "sdp_b64").split())).decode()
    assert "a=ice-pwd:" in decoded and "Zx81mQ0aa7Lr2vPq9cXn4kTe" not in decoded and "Fh3kq9" not in out.decode()


def test_a_run_in_a_json_string_with_nothing_to_hide_is_kept_byte_for_byte() -> None:
    run = wrap(base64.b64encode(("nothing to hide here. " * 4000).encode()).decode(), 76, "\n")
    data = (json.dumps({"a": 1, "body": run}) + "\n" + json.dumps({"b": 2}) + "\n").encode()
    assert _same(data) == data


def test_lines_of_uuids_in_a_json_string_are_read_as_text() -> None:
    rng = random.Random(2)
    ids = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(2000)]
    data = (json.dumps({"from": "10.1.2.3", "ids": "\n".join(ids) + "\npeer 10.1.2.5"}) + "\n").encode()
    out = _same(data)
    assert _value(out, "ids").split("\n")[:-1] == ids
    assert_no_original(out, ["10.1.2.3", "10.1.2.5"])


def test_a_run_of_binary_data_holding_an_address_in_a_json_string_is_still_refused() -> None:
    rng = random.Random(9)
    blob = rng.randbytes(20_000) + b"\x00host 203.0.113.77\x00" + rng.randbytes(20_000)
    data = (json.dumps({"blob": wrap(base64.b64encode(blob).decode(), 76, "\n")}) + "\n").encode()
    with pytest.raises(RedactError, match="runs more than"):
        streamed(data, 4096, 2000)


def test_a_run_with_escaped_slashes_is_rewritten_with_them() -> None:
    r"""``\/`` in the run's lines (PHP's escaping): read on as a run too (it was refused), written again
    with each ``/`` escaped (``test_unframed_long`` has more)."""
    run = wrap(base64.b64encode(_text(1000).encode()).decode(), 76, "\n")
    assert "/" in run
    data = ('{"b64": ' + json.dumps(run).replace("/", "\\/") + "}\n").encode()
    out = _same(data)
    assert b"\\/" in out and b"/" not in out.replace(b"\\/", b"")
    decoded = base64.b64decode(json.loads(out)["b64"].replace("\n", "")).decode()
    assert decoded.count("a=candidate:") == 1000 and not re.search(r"10\.9\.\d+\.7", decoded)


def test_a_run_with_escaped_slashes_under_the_bound_is_cut_as_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    r"""Held whole below the bound: its raw pieces (cut before its ``\n`` escapes) are not cut again inside
    it by the literal (``_Literal._guarded`` reads ``\/`` as ``/``), so the output is the whole path's."""
    monkeypatch.setattr(docstream, "MAX_WHOLE", 20 * BOUND)
    run = wrap(base64.b64encode(_text(1000).encode()).decode(), 76, "\n")
    data = ('{"b64": ' + json.dumps(run).replace("/", "\\/") + "}\n").encode()
    out = _same(data)
    decoded = base64.b64decode(json.loads(out)["b64"].replace("\n", "")).decode()
    assert decoded.count("a=candidate:") == 1000 and not re.search(r"10\.9\.\d+\.7", decoded)


def test_base64_after_a_run_in_the_same_string_is_read_as_whole() -> None:
    """The run that opens the string is its first line (``formats.long_base64``): a long stretch of base64
    characters after the run does not make the string one that opens with a long run (a token in it
    encoding an address is rewritten, as in the document held whole)."""
    text = _text(1000).encode()
    text += b"x" * (-len(text) % 3)  # no padding: the line of ``A`` after it is read as its last, then dropped
    run = wrap(base64.b64encode(text).decode(), 76, "\n")
    token = base64.b64encode(b"peer 10.1.2.9 here").decode()
    data = (json.dumps({"b64": f"{run}\n{'A' * 1500} {token} end"}) + "\n").encode()
    out = _same(data)
    assert token not in out.decode()
    assert_no_original(out, ["10.1.2.9"])


def test_a_run_followed_by_a_long_stretch_on_its_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """One JSON line: the run's string, then more than ``longrun.LONGEST_LINE`` characters of other
    fields: the run is still read on (what follows its string is not read as a line of it)."""
    import icecheck.redact.longrun as longrun

    monkeypatch.setattr(longrun, "LONGEST_LINE", 3000)
    run = wrap(base64.b64encode(_text(1000).encode()).decode(), 76, "\n")
    record = {"b64": run, "more": " ".join(f"w{i}" for i in range(3000)) + " peer 10.1.2.9"}
    out = _same((json.dumps(record) + "\n").encode())
    decoded = base64.b64decode(_value(out, "b64").replace("\n", "")).decode()
    assert decoded.count("a=candidate:") == 1000 and not re.search(r"10\.9\.\d+\.7", decoded)
    assert_no_original(out, ["10.1.2.9"])
