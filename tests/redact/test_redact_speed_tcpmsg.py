"""A held TCP run is read once, not once per segment it gains (issue 11 item 5: ``bench_hostile``'s
ws-continuations and ws-one-byte, a WebSocket message of 300,000 empty continuation frames, or of
one-byte fragments with pings between, held in hundreds of segments, ran past 60 s).

``tcpmsg.complete`` with a run's ``Progress`` reads each WebSocket frame and each SIP/HTTP message
once however the run is cut into segments (``Progress.steps``: frames and messages read), and says
what a reading from the start says at every cut.
"""

from __future__ import annotations

import random

from icecheck.inputs import synth
from icecheck.redact import tcpmsg


def _fed(run: bytes, cuts: list[int], websocket: bool) -> tuple[list[bool], int]:
    """``complete`` after each segment of ``run`` (cut at ``cuts``) with one ``Progress``, and its steps."""
    progress = tcpmsg.Progress()
    held = bytearray()
    said = []
    for start, end in zip([0, *cuts], [*cuts, len(run)], strict=True):
        held += run[start:end]
        said.append(tcpmsg.complete(held, websocket, progress))
    return said, progress.steps


def _fresh(run: bytes, cuts: list[int], websocket: bool) -> list[bool]:
    return [tcpmsg.complete(run[:end], websocket) for end in [*cuts, len(run)]]


def _continuations(n: int) -> bytes:
    return synth.ws_frame(b"{", fin=False) + synth.ws_frame(b"", opcode=0, fin=False) * n


def test_each_frame_is_read_once_however_many_segments_hold_it() -> None:
    for n in (2000, 4000):
        run = _continuations(n)
        for size in (1, 7, 1400):
            said, steps = _fed(run, list(range(size, len(run), size)), True)
            assert steps == n + 1, (n, size, steps)  # every frame once, not once per segment
            assert not any(said)  # the message never ends: held throughout


def test_a_fragmented_message_with_pings_between_is_read_once() -> None:
    msg = b'{"candidate":"candidate:1 1 udp 1 10.0.0.1 9 typ host"}'
    ping = synth.ws_frame(b"", opcode=9)
    frames = [synth.ws_frame(msg[i : i + 1], opcode=1 if i == 0 else 0, fin=False) + ping for i in range(len(msg))]
    run = b"".join(frames) + synth.ws_frame(b"", opcode=0)  # the last fragment ends it
    said, steps = _fed(run, list(range(3, len(run), 3)), True)
    assert steps == 2 * len(msg) + 1
    assert said[-1] and not any(said[:-1])


def test_sip_messages_in_a_held_run_are_read_once() -> None:
    one = b"INVITE sip:b@x SIP/2.0\r\nCall-ID: c\r\nContent-Length: 5\r\n\r\nv=0\r\n"
    for n in (200, 400):
        run = one * n + one[:30]  # the last message under way: the run stays held
        said, steps = _fed(run, list(range(50, len(run), 50)), False)
        assert steps == n
        assert not said[-1]


def test_the_reading_goes_on_as_one_from_the_start_would() -> None:
    rng = random.Random(11)
    pieces = [
        synth.ws_frame(b"abc", fin=False),
        synth.ws_frame(b"de", opcode=0, fin=False),
        synth.ws_frame(b"", opcode=9),
        synth.ws_frame(b"f" * 300, opcode=0, fin=True),
        synth.ws_frame(b"g", opcode=1, mask=b"\x01\x02\x03\x04"),
        b"INVITE sip:b@x SIP/2.0\r\nl: 3\r\n\r\nabc",
        b"\r\n",
        b"SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n",
        b"junk line\n",
        b"\x02\x00\x00\x08" + bytes(8),
        bytes([0x81, 127]) + (2**40).to_bytes(8, "big"),
    ]
    for _ in range(400):
        run = b"".join(rng.choice(pieces) for _ in range(rng.randrange(1, 8)))
        cuts = sorted(rng.sample(range(1, len(run)), min(len(run) - 1, rng.randrange(0, 12)))) if len(run) > 1 else []
        for websocket in (True, False):
            assert _fed(run, cuts, websocket)[0] == _fresh(run, cuts, websocket), (run, cuts, websocket)
