"""The memos of a capture's repeated messages give what reading each message afresh gives.

A memo that returned a wrong answer would fold a message into another that differs from it in
one field; each case here changes one field between two messages and checks both readings.
"""

from __future__ import annotations

import struct

from icecheck.inputs import stun, synth

TX1, TX2 = b"tx-one-12345", b"tx-two-67890"
XOR_MAPPED, MAPPED, SOFTWARE = 0x0020, 0x0001, 0x8022
BINDING_RESPONSE = 0x0101


def _response(txid: bytes, address: str, port: int, software: bytes = b"x") -> bytes:
    attrs = [(XOR_MAPPED, synth.xor_address(address, port, txid)), (SOFTWARE, software)]
    return synth.stun_message(BINDING_RESPONSE, txid, attrs)


def test_stun_repeat_differing_only_in_transaction_id_decodes_as_itself() -> None:
    decoder = stun.Decoder()
    first, second = _response(TX1, "192.0.2.7", 5000), _response(TX2, "192.0.2.7", 5000)
    assert first[20:] == second[20:]  # the same attributes: only the transaction differs
    assert decoder.decode(first) == stun.decode(first)
    again = decoder.decode(second)
    assert again == stun.decode(second)
    assert again.transaction == TX2
    assert decoder.decode(first).transaction == TX1


def test_stun_messages_differing_in_one_attribute_are_not_shared() -> None:
    decoder = stun.Decoder()
    messages = [
        _response(TX1, "192.0.2.7", 5000),
        _response(TX2, "192.0.2.8", 5000),  # another address
        _response(TX2, "192.0.2.7", 5001),  # another port
        _response(TX2, "192.0.2.7", 5000, b"y"),  # another SOFTWARE
        synth.stun_message(0x0111, TX2, [(XOR_MAPPED, synth.xor_address("192.0.2.7", 5000, TX2))]),  # error class
    ]
    cut = _response(TX1, "192.0.2.7", 5000)
    messages.append(cut[:2] + struct.pack("!H", len(cut) - 20 + 4) + cut[4:])  # announces more than present
    for data in messages:
        assert decoder.decode(data) == stun.decode(data)
    addresses = {(m.addresses[0].address, m.addresses[0].port) for m in map(decoder.decode, messages[:3])}
    assert addresses == {("192.0.2.7", 5000), ("192.0.2.8", 5000), ("192.0.2.7", 5001)}


def test_stun_xor_ipv6_depends_on_the_transaction_id_and_is_never_shared() -> None:
    decoder = stun.Decoder()
    one = synth.stun_message(BINDING_RESPONSE, TX1, [(XOR_MAPPED, synth.xor_address("2001:db8::5", 5000, TX1))])
    # the same attribute bytes under another transaction id decode to another address (§14.2)
    two = one[:8] + TX2 + one[20:]
    assert decoder.decode(one).addresses[0].address == "2001:db8::5"
    assert decoder.decode(two) == stun.decode(two)
    assert decoder.decode(two).addresses[0].address != "2001:db8::5"


def test_stun_legacy_dialects_are_decoded_each_time() -> None:
    decoder = stun.Decoder()
    # RFC 3489: no cookie, the 16-byte transaction id XORs the XOR-MAPPED-ADDRESS (0x8020)
    value = synth.plain_address("192.0.2.7", 5000)
    one = struct.pack("!HH16s", BINDING_RESPONSE, 4 + len(value), b"A" * 16) + struct.pack("!HH", 0x8020, 8) + value
    two = one[:4] + b"B" * 16 + one[20:]
    for data in (one, two, one):
        assert decoder.decode(data) == stun.decode(data)
    assert decoder.decode(one).addresses != decoder.decode(two).addresses


def test_stun_memo_is_bounded_and_still_right_past_its_bound() -> None:
    decoder = stun.Decoder()
    messages = [_response(TX1, f"10.0.{i // 250}.{i % 250}", 1000 + i) for i in range(stun.Decoder.MEMO + 10)]
    for data in messages:
        decoder.decode(data)
    assert len(decoder._memo) == stun.Decoder.MEMO
    for data in (messages[0], messages[-1]):
        assert decoder.decode(data[:8] + TX2 + data[20:]) == stun.decode(data[:8] + TX2 + data[20:])
