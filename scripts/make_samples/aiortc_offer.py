#!/usr/bin/env python3
"""Print the offer SDP of an aiortc RTCPeerConnection after ICE gathering.

usage: aiortc_offer.py OUT.sdp [--relay-only] [--no-turn]
Run inside the lab's client namespace; the STUN/TURN server is the lab's coturn
given by IP address (no name lookup). The SDP is written byte for byte as
aiortc returns it in localDescription.sdp.
"""
import argparse
import asyncio
import json
import sys

import aiortc
from aiortc import RTCConfiguration, RTCIceServer, RTCPeerConnection

LAB = "203.0.113.10:3478"


async def offer(relay_only: bool, turn: bool) -> str:
    servers = [RTCIceServer(urls=f"stun:{LAB}")]
    if turn:
        servers.append(RTCIceServer(urls=f"turn:{LAB}", username="icetest", credential="icepass"))
    kwargs = {"iceServers": servers}
    if relay_only:
        kwargs["iceTransportPolicy"] = aiortc.RTCIceTransportPolicy.RELAY
    pc = RTCPeerConnection(configuration=RTCConfiguration(**kwargs))
    pc.createDataChannel("icecheck")
    # setLocalDescription gathers all candidates before it returns (no trickle in aiortc).
    await pc.setLocalDescription(await pc.createOffer())
    sdp = pc.localDescription.sdp
    await pc.close()
    return sdp


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--relay-only", action="store_true")
    ap.add_argument("--no-turn", action="store_true")
    a = ap.parse_args()
    sdp = asyncio.run(offer(a.relay_only, not a.no_turn))
    with open(a.out, "w", encoding="utf-8", newline="") as fh:
        fh.write(sdp)
    import aioice
    json.dump({"aiortc": aiortc.__version__, "aioice": aioice.__version__,
               "python": sys.version.split()[0]}, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
