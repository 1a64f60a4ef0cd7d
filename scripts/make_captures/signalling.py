#!/usr/bin/env python3
"""A tiny JSON signalling server over WebSocket (RFC 6455), for make_captures.py.

usage: signalling.py HOST PORT

Accepts WebSocket connections (no extensions: frames stay uncompressed on the wire), reads
each text message the browser sends (JSON offers and trickled candidates, masked as RFC 6455
§5.3 requires of clients) and answers every message with an unmasked JSON acknowledgement
that echoes the message type, plus a canned answer-like SDP for an offer — so the capture
has signalling in both directions. Stdlib only.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import struct
import sys

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
ANSWER = ("v=0\r\no=- 42 2 IN IP4 203.0.113.10\r\ns=-\r\nt=0 0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
          "c=IN IP4 203.0.113.10\r\na=mid:0\r\na=ice-ufrag:srvr\r\na=ice-pwd:serverpasswordserverpass\r\n"
          "a=candidate:1 1 udp 2130706431 203.0.113.10 50000 typ host\r\na=end-of-candidates\r\n")


async def read_frame(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    b0, b1 = await reader.readexactly(2)
    n = b1 & 0x7F
    if n == 126:
        n = struct.unpack("!H", await reader.readexactly(2))[0]
    elif n == 127:
        n = struct.unpack("!Q", await reader.readexactly(8))[0]
    key = await reader.readexactly(4) if b1 & 0x80 else b""
    data = await reader.readexactly(n)
    if key:
        data = bytes(b ^ key[i % 4] for i, b in enumerate(data))
    return b0 & 0x0F, data


def frame(text: str) -> bytes:
    data = text.encode()
    head = struct.pack("!BB", 0x81, len(data)) if len(data) < 126 else struct.pack("!BBH", 0x81, 126, len(data))
    return head + data


async def client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
    lines = head.split("\r\n")
    key = next(line.split(":", 1)[1].strip() for line in lines if line.lower().startswith("sec-websocket-key"))
    accept = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
    writer.write(f"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 f"Sec-WebSocket-Accept: {accept}\r\n\r\n".encode())
    try:
        while True:
            opcode, data = await read_frame(reader)
            if opcode == 8:
                writer.write(b"\x88\x00")
                break
            if opcode != 1:
                continue
            msg = json.loads(data)
            writer.write(frame(json.dumps({"ack": msg.get("type")})))
            if msg.get("type") == "offer":
                writer.write(frame(json.dumps({"type": "answer", "sdp": ANSWER})))
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, ValueError):
        pass
    writer.close()


async def main(host: str, port: int) -> None:
    server = await asyncio.start_server(client, host, port)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
