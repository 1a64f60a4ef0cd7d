"""False refusals: harmless files ``icecheck redact`` refused (exit 3, "would survive") because the
output check read an identifier the redactor did not rewrite. Each is now redacted, and the check still
finds every real identifier the same way: a base64 token is rewritten in place (the check decodes it),
a colon-hex token glued to letters is an address to both or (0000::/8 without IPv4 inside) to neither,
and a MAC followed by a dot or a colon before a letter is replaced."""

from __future__ import annotations

import base64
import ipaddress
import json
import re
from pathlib import Path

import pytest

from icecheck.redact.formats import redact_document
from icecheck.redact.selfcheck import identifiers, reserved_v6, survivors
from icecheck.redact.standins import StandIns
from icecheck.redact.text import redact_text
from tests.conftest import REPO, run_cli

VECTORS = REPO / "tests" / "data" / "peer-vectors"


def cli_redact(src: Path, tmp_path: Path) -> tuple[int, str, bytes]:
    out = tmp_path / "out"
    proc = run_cli("redact", str(src), "-o", str(out))
    return proc.returncode, proc.stderr, out.read_bytes() if out.exists() else b""


def redacted(text: str) -> tuple[str, list[str]]:
    """``text`` redacted as a document, and the survivors the output check finds."""
    data = text.encode()
    standins = StandIns()
    out, _ = redact_document(data, standins)
    return out.decode(), survivors(data, out, standins.kept)


# -- 1. base64 tokens: rewritten in place, as the check decodes them ------------------------------------


def test_a_base64_mac_in_an_sdp_attribute_is_rewritten(tmp_path: Path) -> None:
    """``a=mediaclk:id=MDA6NjA6MmI6MjA6MTI6MWY=`` is base64 of ``00:60:2b:20:12:1f``: refused before."""
    src = VECTORS / "sdp" / "clux-sdp-transform__mediaclk-rtp.sdp"
    code, err, out = cli_redact(src, tmp_path)
    assert code == 0, err
    token = next(line for line in out.decode().splitlines() if line.startswith("a=mediaclk:id=")).split("=", 2)[2]
    token = token.split()[0]
    assert token != "MDA6NjA6MmI6MjA6MTI6MWY=" and token.endswith("=") and len(token) == 24
    decoded = base64.b64decode(token, validate=True).decode()
    assert decoded != "00:60:2b:20:12:1f" and decoded.startswith("00:00:5e:00:53:")
    assert "mac 00602b20121f" not in identifiers(out)


@pytest.mark.parametrize(
    ("encode", "urlsafe", "padded"),
    [
        (base64.b64encode, False, True),
        (lambda b: base64.b64encode(b).rstrip(b"="), False, False),
        (base64.urlsafe_b64encode, True, True),
        (lambda b: base64.urlsafe_b64encode(b).rstrip(b"="), True, False),
    ],
)
@pytest.mark.parametrize("container", ["sdp", "json", "sip", "log"])
def test_base64_tokens_keep_their_alphabet_and_padding(
    encode: object, urlsafe: bool, padded: bool, container: str
) -> None:
    plain = b'{"peer": "10.20.30.40", "mac": "00:1b:63:84:45:e6", "host": "4f1c2d3e-aaaa.local"}>>>???'
    token = encode(plain).decode()  # type: ignore[operator]
    assert ("-" in token or "_" in token) == urlsafe and ("+" in token or "/" in token) != urlsafe
    text = {
        "sdp": f"v=0\r\na=x-blob:{token}\r\n",
        "json": json.dumps({"blob": f"id={token};v=1"}),
        "sip": f"OPTIONS sip:a@b SIP/2.0\r\nX-Blob: {token}\r\nContent-Length: 0\r\n\r\n",
        "log": f"12:00 blob {token} end\n",
    }[container]
    out, left = redacted(text)
    assert left == [] and token not in out
    new = re.findall(r"[A-Za-z0-9+/_-]{40,}=*", out)[0]
    assert (len(new) % 4 == 0) if padded else ("=" not in new)
    assert not set(new) & (set("+/") if urlsafe else set("-_"))
    decoded = (base64.urlsafe_b64decode if urlsafe else base64.b64decode)(new + "=" * (-len(new) % 4)).decode()
    assert "10.20.30.40" not in decoded and "00:1b:63:84:45:e6" not in decoded and "4f1c2d3e-aaaa" not in decoded
    assert decoded.endswith(">>>???") and '"peer": "' in decoded


def test_base64_inside_base64_is_rewritten_as_deep_as_the_check_reads() -> None:
    inner = base64.b64encode(b"relay 192.168.77.12 port 3478").decode()
    outer = base64.b64encode(f"token={inner};".encode()).decode()
    out, left = redacted(f"x-data: {outer}\n")
    assert left == [] and outer not in out
    again = base64.b64decode(out.split()[1]).decode()
    assert again.startswith("token=") and "192.168.77.12" not in base64.b64decode(again[6:-1]).decode()


def test_the_same_original_gets_the_same_stand_in_inside_and_outside_base64() -> None:
    token = base64.b64encode(b"peer 10.20.30.40 ok").decode()
    out, left = redacted(f"c=IN IP4 10.20.30.40\r\na=x:{token}\r\n")
    standin = out.split()[2]
    assert left == [] and base64.b64decode(out.split("a=x:")[1].strip()).decode() == f"peer {standin} ok"


def test_a_base64_token_of_binary_data_holding_an_address_is_still_refused(tmp_path: Path) -> None:
    """Binary data cannot be rewritten in place: the check reads the address in its strings, and the
    run is refused (fail closed), as before."""
    blob = bytes(range(256)) * 4 + b"\x00peer 10.20.30.40\x00" + bytes(range(256))
    src = tmp_path / "a.sdp"
    src.write_text(f"v=0\r\na=x-blob:{base64.b64encode(blob).decode()}\r\n")
    code, err, out = cli_redact(src, tmp_path)
    assert code == 3 and "10.20.30.40" in err and out == b""


def test_words_that_decode_to_nothing_readable_are_kept() -> None:
    text = "a=ice-pwd:asd88fgpdd777uzjYhagZg\r\na=msid:4TOk42mSjXCkVIa6 {6f0a8a0b-95d2-4b5c-8a2e-0c2f8b3e1d11}\r\n"
    assert redact_text(text, StandIns()) == text


# -- 2. colon-hex glued to letters ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["candidates.jsonl", "sdp/index.jsonl"])
def test_cpp_names_in_peer_vector_notes_are_not_refused(name: str, tmp_path: Path) -> None:
    """``SdpType::kOffer`` and ``IceCandidate::Create`` read as ``e::`` and ``e::c``: refused before."""
    code, err, out = cli_redact(VECTORS / name, tmp_path)
    assert code == 0, err
    assert b"SdpType::kOffer" in out or b"IceCandidate::Create" in out  # left as written


@pytest.mark.parametrize(
    "text",
    [
        "x2a00:1450:4001::8a",
        "2a00:1450:4001::8ax",
        "id10.1.2.3",
        "mac=00:1b:63:84:45:e6",
        "ip:fe80::1%eth0",
        '{"a": "2a00:1450:4001::8a"}',
        "[2a00:1450:4001::8a]:5060",
        "ipfe80::2ab:cdff:fe01:2345zone",
        "fec0::1z and xfec0::2",
        "64:ff9b::a01:203x",
        "x::ffff:10.1.2.3y",
        "::a01:203z",
        "2a00:1450::1.5x",
        "12:00:01.000 IP 10.1.2.3.5060 > 10.9.9.9.41000: UDP, length 100",
        "host.10.1.2.3 up",
        "oid 1.10.1.2.3.4.5 end",
    ],
)
def test_real_addresses_glued_to_letters_never_survive(text: str) -> None:
    before = {i for i in identifiers(text.encode() + b" padding")}
    assert before  # the check reads an address in each
    out, left = redacted(text)
    assert left == [], (text, out)
    assert not before & identifiers(out.encode() + b" padding"), (text, out)


@pytest.mark.parametrize(
    ("text", "reserved"),
    [
        ("e::", True), ("e::c", True), ("de::dec", True), ("c::", True), ("::ba", True), ("e::1", True),
        ("::0.1.2.3", True),
        ("64:ff9b::a01:203", False), ("64:ff9b:1:a01:203::", False), ("::a01:203", False),
        ("::ffff:0:a01:203", False), ("fec0::1", False), ("face::add", False), ("100::1", False),
        ("2a00:1450::1", False), ("fe80::1", False), ("::1", True), ("::", True),
    ],
)  # fmt: skip
def test_reserved_v6_is_0000_8_with_no_ipv4_inside(text: str, reserved: bool) -> None:
    assert reserved_v6(ipaddress.IPv6Address(text)) is reserved


def test_cpp_names_stay_as_written_and_are_no_survivor() -> None:
    text = "webrtc::SdpType::kOffer, Code::Decode, rtc::Thread, IceCandidate::Create\n"
    out, left = redacted(text)
    assert left == [] and out == text


# -- 3. a MAC followed by a dot, or by a colon before a letter ------------------------------------------


def test_the_fuzzed_fingerprint_with_a_sip_uri_inside_is_redacted(tmp_path: Path) -> None:
    """``a=fingerprint:sha-256 D6:4F:EF:48:EA:71:sip:…``: six pairs and then a colon before a letter is a
    MAC to the check (``_MAC``), but ``_V6`` stopped before a letter and left it: refused before."""
    code, err, out = cli_redact(REPO / "tests" / "fuzz" / "regressions" / "redact-colon-run-slow-2.bin", tmp_path)
    assert code == 0, err
    assert b"D6:4F:EF:48:EA:71" not in out and b"fe80::1" not in out


@pytest.mark.parametrize(
    "text",
    [
        "mac 00:1b:63:84:45:e6.",
        "D6:4F:EF:48:EA:71:sip",
        "00:1b:63:84:45:e6:.x",
        "at 00:1b:63:84:45:e6:g",
        "at 00:1b:63:84:45:e6%eth0 now",
    ],
)
def test_a_mac_before_a_dot_or_a_colon_and_a_letter_is_replaced(text: str) -> None:
    out, left = redacted(text)
    mac = re.search(r"[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}", text)
    assert mac is not None and left == []
    assert out == text[: mac.start()] + out[mac.start() : mac.end()] + text[mac.end() :]
    assert out[mac.start() : mac.end()] != mac.group()


def test_a_mac_inside_a_longer_colon_hex_run_is_still_no_mac() -> None:
    fingerprint = "a=fingerprint:sha-256 " + ":".join(f"{b:02X}" for b in range(32)) + "\r\n"
    out, left = redacted(fingerprint)
    assert left == [] and out == fingerprint


# -- 5. the IPv4 stand-in search past the documentation ranges ------------------------------------------


def test_originals_filling_240_blocks_do_not_make_the_overflow_search_step_over_them() -> None:
    """Originals 240.0.Y.0 to .9 shadowed every other address of their /24 (240.0.Y.1 read inside
    240.0.Y.1x and .1xx): the search for a stand-in stepped over 256 addresses for each 10 originals
    (1 MB of such lines: 25 s CPU). Stand-ins past the documentation ranges end in one digit first,
    which no cut reads inside, so an original rules out at most three of them."""
    standins = StandIns()
    blocked = [f"240.0.{y}.{k}" for y in range(100) for k in range(10)]
    docs = [f"{p}{last}" for p in ("192.0.2.", "198.51.100.", "203.0.113.") for last in range(256)]
    for text in blocked + docs:
        standins.reserve(ipaddress.IPv4Address(text))
    new = {standins.ip_text(f"10.7.{i >> 8}.{i & 255}") for i in range(1000)}
    assert len(new) == 1000 and standins.wrapped
    assert not new & set(blocked + docs)
    assert all(n is not None and n.startswith("240.") for n in new)
    assert standins._overflow <= 1000 + 9 * 100  # tried: the stand-ins taken and the originals among them
