"""What a sink holds, it holds once (issue 13 item 5): the strings of items found in different
packets are one object each, the fold keys point at the held values, and ``document`` hands the
items over instead of copying them."""

from __future__ import annotations

from icecheck.inputs.sink import Sink
from icecheck.model import AddressRole, InputKind, Origin

PATH = "call.pcap"
SDP = (
    "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nt=0 0\r\nc=IN IP4 10.0.0.1\r\nm=audio 9 RTP/AVP 0\r\n"
    "a=candidate:1 1 udp 2122260223 10.0.0.1 40000 typ host\r\n"
    "a=candidate:2 1 udp 1686052607 198.51.100.7 40000 typ srflx raddr 10.0.0.1 rport 40000\r\n"
)


def _packet(n: int, call: str) -> Origin:
    # each packet's strings are its own objects, as a capture reader makes them
    return Origin(PATH, packet=n, time=1.0 + n, detail="".join(["udp 10.0.0.1:5060", f" → 203.0.113.10:{5060}"]),
                  call="".join(["call", call]), party="".join(["off", "erer"]))  # fmt: skip


def _sink() -> Sink:
    sink = Sink(PATH)
    for n, call in enumerate(["-a", "-b", "-a"], start=1):  # call a twice: a retransmission
        sink.sdp(SDP, _packet(n, call))
        sink.address_at("".join(["198.51.", "100.7"]), AddressRole.STUN_MAPPED, 40000, _packet(10 + n, call),
                        "XOR-MAPPED-ADDRESS", "".join(["off", "erer"]))  # fmt: skip
    return sink


def test_items_of_different_packets_share_their_strings() -> None:
    doc = _sink().document(InputKind.PCAP)
    cands, addrs = doc.candidates, doc.addresses
    assert [c.candidate.address for c in cands] == ["10.0.0.1", "198.51.100.7"] * 2
    assert [c.count for c in cands] == [2, 2, 1, 1]  # call a: seen twice; call b once
    assert [(a.address, str(a.role), a.count) for a in addrs] == [
        ("10.0.0.1", "o=", 2), ("10.0.0.1", "c=", 2), ("198.51.100.7", "stun-mapped", 2),
        ("10.0.0.1", "o=", 1), ("10.0.0.1", "c=", 1), ("198.51.100.7", "stun-mapped", 1),
    ]  # fmt: skip
    origins = [c.origin for c in cands] + [a.origin for a in addrs]
    assert len({id(o.party) for o in origins}) == 1
    assert len({id(o.call) for o in origins}) == 2  # one object per call, whatever the packet
    # the same candidate in two calls is one candidate object; equal details are one string
    assert cands[0].candidate is cands[2].candidate
    assert cands[0].origin.detail is cands[2].origin.detail
    assert cands[0].last is not None and cands[0].last.detail is cands[0].origin.detail
    assert cands[1].candidate.related_address is cands[0].candidate.address
    assert addrs[0].address is addrs[3].address is cands[0].candidate.address
    assert addrs[2].address is addrs[5].address is cands[1].candidate.address
    assert addrs[2].last is not None and addrs[2].last.packet == 13 and addrs[2].last.call is addrs[2].origin.call


def test_fold_keys_point_at_the_held_values() -> None:
    sink = _sink()
    for key, rec in sink.candidates.items():
        assert key[0] is rec.candidate and key[3] is rec.origin.call and key[4] is rec.origin.party
    for key, arec in sink.addresses.items():
        assert key[0] is arec.address and key[3] is arec.origin.call and key[4] is arec.origin.party
    held = {id(part) for key in [*sink.candidates, *sink.addresses] for part in key}
    assert all(id(part) in held for key in sink.repeats for part in key if isinstance(part, str))


def test_document_hands_the_items_over_in_first_seen_order() -> None:
    sink = _sink()
    order = [rec.candidate.foundation for rec in sink.candidates.values()]
    doc = sink.document(InputKind.PCAP)
    assert [c.candidate.foundation for c in doc.candidates] == order
    assert not sink.candidates and not sink.addresses and not sink.repeats and not sink.names
    assert doc.duplicates == 2
