"""A SIP message whose body (Content-Length) is longer than a streamed document may hold: its body is
redacted as a streamed text document is (a wrapped base64 run in it, ``Content-Transfer-Encoding:
base64``, read on as a ``longrun.LongRun``), then its head with the new Content-Length. It was refused
("a SIP message ... runs more than N MiB characters": one message was held whole). The output is the
document redacted whole, byte for byte. Bounds lowered as in ``test_wrapped_long``."""

from __future__ import annotations

import base64
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


def _sdp(n: int) -> str:
    return "".join(f"a=candidate:{i} 1 udp 2122260223 10.9.{i % 250}.7 5000 typ host µ\r\n" for i in range(n))


def _log(body: str, extra_head: str = "") -> bytes:
    size = len(body.encode())
    return (
        "SIP/2.0 100 Trying\r\nVia: SIP/2.0/UDP 10.200.0.1:5060\r\nContent-Length: 0\r\n\r\n"
        "INVITE sip:bob@10.200.0.2 SIP/2.0\r\nVia: SIP/2.0/UDP 10.200.0.1:5060\r\n"
        f"Content-Type: application/sdp\r\n{extra_head}Content-Length: {size}\r\n\r\n{body}"
        "BYE sip:bob@10.200.0.2 SIP/2.0\r\nVia: SIP/2.0/UDP 10.200.0.3:5060\r\nContent-Length: 0\r\n\r\n"
        "softphone: call ended with 10.200.0.4\r\n"
    ).encode()


def _same(data: bytes, scrub: bool = False) -> bytes:
    expected = whole(data, scrub)
    for chunk, held in ((4096, 2000), (1 << 16, 5000)):
        assert streamed(data, chunk, held, scrub) == expected, (chunk, held)
    return expected


def _body(out: bytes) -> str:
    text = out.decode()
    head, rest = text.split("INVITE ", 1)[1].split("\r\n\r\n", 1)
    length = int(re.search(r"Content-Length: (\d+)", head).group(1))  # type: ignore[union-attr]
    body = rest.encode()[:length].decode()
    assert rest.encode()[length:].startswith(b"BYE ")
    return body


@pytest.mark.parametrize("urlsafe", [False, True])
def test_a_base64_body_past_the_bound_is_rewritten_as_whole(urlsafe: bool) -> None:
    encoded = (base64.urlsafe_b64encode if urlsafe else base64.b64encode)(_sdp(1000).encode()).decode()
    body = wrap(encoded, 76, "\r\n") + "\r\n"
    assert len(body) > 3 * BOUND
    out = _same(_log(body, "Content-Transfer-Encoding: base64\r\n"))
    new = _body(out)
    decoded = (base64.urlsafe_b64decode if urlsafe else base64.b64decode)("".join(new.split())).decode()
    assert decoded.count("a=candidate:") == 1000 and not re.search(r"10\.9\.\d+\.7", decoded)
    assert_no_original(out, ["10.200.0.1", "10.200.0.2", "10.200.0.3", "10.200.0.4"])


def test_a_text_body_past_the_bound_is_redacted_as_whole() -> None:
    out = _same(_log(_sdp(1500)))
    assert _body(out).count("a=candidate:") == 1500 and "10.9." not in out.decode()


def test_a_body_of_uuids_past_the_bound_is_read_as_text() -> None:
    rng = random.Random(4)
    ids = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(1500)]
    out = _same(_log("\r\n".join(ids) + "\r\nc=IN IP4 10.9.9.9\r\n"))
    assert _body(out).split("\r\n")[:-2] == ids and "10.9.9.9" not in out.decode()


def test_a_body_of_binary_data_holding_an_address_is_still_refused() -> None:
    rng = random.Random(9)
    blob = rng.randbytes(20_000) + b"\x00host 203.0.113.77\x00" + rng.randbytes(20_000)
    data = _log(wrap(base64.b64encode(blob).decode(), 76, "\r\n") + "\r\n", "Content-Transfer-Encoding: base64\r\n")
    with pytest.raises(RedactError, match="runs more than"):
        streamed(data, 4096, 2000)


def test_secrets_of_a_long_body_are_scrubbed_as_whole() -> None:
    body = "a=ice-ufrag:Fh3kq9\r\na=ice-pwd:Zx81mQ0aa7Lr2vPq9cXn4kTe\r\n" + _sdp(1200)
    out = _same(_log(body) + b"note: ufrag Fh3kq9 again\r\n", scrub=True)
    assert "Zx81mQ0aa7Lr2vPq9cXn4kTe" not in out.decode() and "Fh3kq9" not in out.decode()


@pytest.mark.parametrize("short", [1, 3, 700])
def test_a_content_length_that_ends_inside_a_character_or_before_the_body(short: int) -> None:
    """The body is Content-Length bytes (``sip._body_end``): cut inside ``µ``, or before the body's end."""
    body = _sdp(1200)
    data = _log(body).replace(f"Content-Length: {len(body.encode())}".encode(),
                              f"Content-Length: {len(body.encode()) - short}".encode())  # fmt: skip
    _same(data)
