"""Whose is a SIP header address: the side a message comes from, the other side, or a proxy (RFC 3261)."""

from __future__ import annotations

from pathlib import Path

import pytest

from icecheck.inputs import sipmsg, synth
from icecheck.inputs.payload import Dispatcher
from icecheck.inputs.scanner import scan_file
from icecheck.inputs.sink import Sink, _at
from icecheck.model import AddressRecord, AddressRole, Origin
from tests.conftest import SAMPLES

ALICE, ALICE_NAT, PROXY, BOB = "192.168.1.10", "203.0.113.5", "198.51.100.7", "10.20.0.5"
SDP = (
    "v=0\r\no=- 1 1 IN IP4 {ip}\r\ns=-\r\nc=IN IP4 {ip}\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n"
    "a=candidate:1 1 udp 2130706431 {ip} 4000 typ host\r\n"
)


def message(
    start: str,
    vias: list[str],
    *,
    cseq: str = "1 INVITE",
    from_tag: str = "a1",
    to_tag: str | None = None,
    contact: str | None = None,
    body: str = "",
    call: str = "c1",
) -> bytes:
    head = [
        start,
        *(f"Via: {v}" for v in vias),
        f"From: <sip:alice@{PROXY}>;tag={from_tag}",
        f"To: <sip:bob@{PROXY}>" + (f";tag={to_tag}" if to_tag else ""),
        f"Call-ID: {call}",
        f"CSeq: {cseq}",
    ]
    if contact:
        head.append(f"Contact: <sip:{contact}>")
    if body:
        head.append("Content-Type: application/sdp")
    head.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(head) + "\r\n\r\n" + body).encode()


ALICE_VIA = f"SIP/2.0/UDP {ALICE}:5060;branch=z9hG4bKa;received={ALICE_NAT};rport=5070"
PROXY_VIA = f"SIP/2.0/TCP {PROXY}:5060;branch=z9hG4bKp"


def owners(raw: bytes) -> dict[tuple[str, str], str]:
    msg = sipmsg.parse_sip(raw)
    assert not isinstance(msg, str)
    return {(header, address): owner for address, header, _port, owner in sipmsg.header_addresses(msg)}


# -- sipmsg: each header's owner --------------------------------------------------------------------


def test_request_headers_are_the_senders_except_to() -> None:
    got = owners(message(f"INVITE sip:bob@{PROXY} SIP/2.0", [ALICE_VIA], contact=f"alice@{ALICE}:5060"))
    assert got == {
        ("Via", ALICE): sipmsg.SENDER,
        ("Via received", ALICE_NAT): sipmsg.SENDER,
        ("Via rport", ALICE): sipmsg.SENDER,
        ("Contact", ALICE): sipmsg.SENDER,
        ("From", PROXY): sipmsg.SENDER,
        ("To", PROXY): sipmsg.PEER,
    }


def test_forwarded_request_bottom_via_is_the_uac_the_others_proxies() -> None:
    middle = "SIP/2.0/UDP [2001:db8::9];branch=z9hG4bKm;received=192.0.2.99"
    raw = message(f"INVITE sip:bob@{BOB} SIP/2.0", [PROXY_VIA, middle, ALICE_VIA], contact=f"alice@{ALICE}")
    got = owners(raw)
    assert got[("Via", PROXY)] == f"proxy {PROXY}:5060"
    assert got[("Via", "2001:db8::9")] == got[("Via received", "192.0.2.99")] == "proxy [2001:db8::9]"
    assert got[("Via", ALICE)] == got[("Via received", ALICE_NAT)] == got[("Contact", ALICE)] == sipmsg.SENDER


def test_response_vias_and_from_are_the_peers_contact_and_to_its_own() -> None:
    raw = message("SIP/2.0 200 OK", [PROXY_VIA, ALICE_VIA], to_tag="b1", contact=f"bob@{BOB}:5062")
    got = owners(raw)
    assert got[("Via", ALICE)] == got[("Via received", ALICE_NAT)] == got[("From", PROXY)] == sipmsg.PEER
    assert got[("Via", PROXY)] == f"proxy {PROXY}:5060"
    assert got[("Contact", BOB)] == got[("To", PROXY)] == sipmsg.SENDER


def test_register_contact_and_to_are_the_registering_uas() -> None:
    request = owners(message(f"REGISTER sip:{PROXY} SIP/2.0", [ALICE_VIA], cseq="2 REGISTER", contact=ALICE))
    assert set(request.values()) == {sipmsg.SENDER}
    response = owners(message("SIP/2.0 200 OK", [ALICE_VIA], cseq="2 REGISTER", to_tag="r", contact=ALICE_NAT))
    assert set(response.values()) == {sipmsg.PEER}  # the registrar's answer describes the registering UA


@pytest.mark.parametrize(
    ("value", "tag"),
    [
        ("<sip:a@b>;tag=x1", "x1"),
        ('"A" <sip:a@b;tag=uri-param>;tag=x2', "x2"),
        ("<sip:a@b;tag=uri-param>", None),
        ("sip:a@b;tag=x3", "x3"),
        ("<sip:a@b> ; TAG = x4 ;other=1", "x4"),
        (None, None),
        ("", None),
    ],
)
def test_dialog_tag(value: str | None, tag: str | None) -> None:
    assert sipmsg.header_tag(value) == tag


# -- the dispatcher: parties ----------------------------------------------------------------------


class Recorder(Sink):
    """A sink that also keeps every address it is given, before repeats fold."""

    def __init__(self) -> None:
        super().__init__("x")
        self.seen: list[AddressRecord] = []

    def address(self, record: AddressRecord) -> None:
        self.seen.append(record)
        super().address(record)

    def address_at(  # type: ignore[override]
        self, address: str, role: AddressRole, port: int | None, where: Origin, more: str, party: str | None, *rest
    ) -> None:
        self.seen.append(AddressRecord(address, role, _at(where, more, party, {}), port=port))
        super().address_at(address, role, port, where, more, party, *rest)


def parties(sink: Recorder) -> dict[tuple[str, str, str], str | None]:
    """(message, header, address) → party, for every SIP header address given to the sink."""
    out = {}
    for rec in sink.seen:
        if rec.role is AddressRole.SIP_HEADER:
            detail = rec.origin.detail or ""
            header = detail.rsplit(", ", 1)[-1]
            message_kind = detail.split("SIP ", 1)[1].split(",")[0]
            out[(message_kind, header, rec.address)] = rec.origin.party
    return out


def call_from_alices_lan(disp: Dispatcher, sender: str | None, receiver: str | None) -> None:
    """REGISTER, INVITE with offer, 100, 180, 200 with answer, ACK — as alice's side sees them."""

    def send(raw: bytes, to_alice: bool, n: int) -> None:
        src, dst = (receiver, sender) if to_alice else (sender, receiver)
        where = Origin("x", packet=n, detail=f"udp {src} → {dst}", party=src) if sender else Origin("x", line=n)
        disp.sip(raw, where, dst)

    send(message(f"REGISTER sip:{PROXY} SIP/2.0", [ALICE_VIA], cseq="1 REGISTER", call="reg", contact=ALICE), False, 1)
    send(message("SIP/2.0 200 OK", [ALICE_VIA], cseq="1 REGISTER", call="reg", to_tag="r", contact=ALICE_NAT), True, 2)
    send(message(f"INVITE sip:bob@{PROXY} SIP/2.0", [ALICE_VIA], contact=ALICE, body=SDP.format(ip=ALICE)), False, 3)
    send(message("SIP/2.0 100 Trying", [ALICE_VIA]), True, 4)
    send(message("SIP/2.0 180 Ringing", [ALICE_VIA], to_tag="b1", contact=f"bob@{BOB}:5062"), True, 5)
    send(
        message("SIP/2.0 200 OK", [ALICE_VIA], to_tag="b1", contact=f"bob@{BOB}:5062", body=SDP.format(ip=BOB)), True, 6
    )
    send(message(f"ACK sip:bob@{BOB} SIP/2.0", [ALICE_VIA], cseq="1 ACK", to_tag="b1", contact=ALICE), False, 7)


def test_response_vias_go_to_the_offerer_not_the_answerer() -> None:
    sink = Recorder()
    call_from_alices_lan(Dispatcher(sink), f"{ALICE}:5060", f"{PROXY}:5060")
    got = parties(sink)
    for kind in ("100 (INVITE)", "200 (INVITE)"):  # the proxy's responses copy alice's Via
        assert got[(kind, "Via received", ALICE_NAT)] == got[(kind, "Via", ALICE)] == "offerer"
    assert got[("INVITE", "Via", ALICE)] == got[("INVITE", "Via received", ALICE_NAT)] == "offerer"
    assert got[("180 (INVITE)", "Contact", BOB)] == "answerer"  # bob's contact, relayed by the proxy
    assert got[("INVITE", "To", PROXY)] == "answerer"
    answerer = {address for (_k, _h, address), party in got.items() if party == "answerer"}
    assert ALICE not in answerer and ALICE_NAT not in answerer
    # the registrar's 200 describes alice, not the registrar
    assert got[("200 (REGISTER)", "Contact", ALICE_NAT)] == f"{ALICE}:5060"
    assert f"{PROXY}:5060" not in got.values()


def test_a_log_without_addresses_tells_sides_by_their_tags() -> None:
    sink = Recorder()
    call_from_alices_lan(Dispatcher(sink), None, None)
    got = parties(sink)
    assert got[("100 (INVITE)", "Via received", ALICE_NAT)] == "offerer"  # once "offerer" only by chance
    assert got[("180 (INVITE)", "Contact", BOB)] == "answerer"
    assert {p for (k, _h, _a), p in got.items() if "REGISTER" in k} == {None}


def test_a_forwarded_invite_puts_alices_via_with_the_offerer_and_the_proxys_apart() -> None:
    sink = Recorder()
    disp = Dispatcher(sink)
    invite = message(f"INVITE sip:bob@{BOB} SIP/2.0", [PROXY_VIA, ALICE_VIA], contact=ALICE, body=SDP.format(ip=ALICE))
    disp.sip(invite, Origin("x", packet=1, party=f"{PROXY}:5060"), f"{BOB}:5062")
    ok = message("SIP/2.0 200 OK", [PROXY_VIA, ALICE_VIA], to_tag="b1", contact=BOB, body=SDP.format(ip=BOB))
    disp.sip(ok, Origin("x", packet=2, party=f"{BOB}:5062"), f"{PROXY}:5060")
    got = parties(sink)
    assert got[("INVITE", "Via", ALICE)] == got[("INVITE", "Via received", ALICE_NAT)] == "offerer"
    assert got[("INVITE", "Via", PROXY)] == f"proxy {PROXY}:5060"
    assert got[("200 (INVITE)", "Contact", BOB)] == "answerer"
    assert all(p != "answerer" for (k, h, _a), p in got.items() if h.startswith("Via"))


def test_a_re_invite_from_the_callee_keeps_who_is_who() -> None:
    sink = Recorder()
    disp = Dispatcher(sink)
    call_from_alices_lan(disp, f"{ALICE}:5060", f"{PROXY}:5060")
    bob_via = f"SIP/2.0/UDP {BOB}:5062;branch=z9hG4bKr"
    reinvite = message(
        f"INVITE sip:alice@{ALICE} SIP/2.0",
        [PROXY_VIA, bob_via],
        cseq="7 INVITE",
        from_tag="b1",
        to_tag="a1",
        contact=f"bob@{BOB}:5062",
    )
    disp.sip(reinvite, Origin("x", packet=8, party=f"{PROXY}:5060"), f"{ALICE}:5060")
    ok = message("SIP/2.0 200 OK", [PROXY_VIA, bob_via], cseq="7 INVITE", from_tag="b1", to_tag="a1", contact=ALICE)
    disp.sip(ok, Origin("x", packet=9, party=f"{ALICE}:5060"), f"{PROXY}:5060")
    got = parties(sink)
    assert got[("INVITE", "Via", BOB)] == "answerer"  # bob's request: its sender side is bob's
    assert got[("INVITE", "To", PROXY)] == "offerer"


# -- the samples -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["sip-udp-nat-fragments.pcap", "proxy-any-sll2.pcapng.gz", "sip-tcp-sll.pcap", "baresip-sip-trace.log"]
)
def test_alices_addresses_never_land_with_the_answerer(name: str) -> None:
    doc = scan_file(str(SAMPLES / "captures" / name)).document
    headers = [a for a in doc.addresses if a.role is AddressRole.SIP_HEADER]
    assert headers
    alice = {"192.168.77.10", "203.0.113.1"}  # her LAN address and her NAT's public one
    assert not [a for a in headers if a.address in alice and a.origin.party == "answerer"]
    assert all(a.origin.party != "203.0.113.10:5060" for a in headers)  # nothing is the registrar's own


def test_sample_register_response_is_alices(tmp_path: Path) -> None:
    doc = scan_file(str(SAMPLES / "captures" / "sip-udp-nat-fragments.pcap")).document
    register = [a for a in doc.addresses if "200 (REGISTER)" in (a.origin.detail or "")]
    assert {a.address for a in register} == {"203.0.113.1"}  # received= and the Contact binding
    assert {a.origin.party for a in register} == {"192.168.77.10:5060"}


def test_capture_passes_the_receiver(tmp_path: Path) -> None:
    ok = message("SIP/2.0 200 OK", [ALICE_VIA], cseq="1 OPTIONS", to_tag="p", contact=f"{PROXY}:5060")
    path = tmp_path / "o.pcap"
    with open(path, "wb") as f:
        synth.PcapWriter(f).write(synth.link(synth.ip(synth.udp(PROXY, 5060, ALICE, 5060, ok))[0]), 1.0)
    doc = scan_file(str(path)).document
    by_header = {(a.origin.detail or "").rsplit(", ", 1)[-1]: a.origin.party for a in doc.addresses}
    assert by_header["Via received"] == f"{ALICE}:5060"  # the receiver of the response
    assert by_header["Contact"] == f"{PROXY}:5060"  # the responder
