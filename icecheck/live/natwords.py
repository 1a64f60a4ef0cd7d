"""What a NAT discovery result means for a call and for what it exposes, in plain words (pure).

Kept apart from ``nat.py`` (sockets, STUN) so renderers can explain a ``NatBehaviour`` without
importing network code.
"""

from __future__ import annotations

import contextlib

from icecheck.model import NatBehaviour

EIM, AD, APD = "endpoint-independent", "address-dependent", "address-and-port-dependent"
NO_NAT, INCONCLUSIVE = "no-nat", "inconclusive"

_MAPPING_WORDS = {
    NO_NAT: "There is no NAT: this device's own address is public, so every host candidate hands it to the "
    "peer and the signalling server, and anyone may try to reach it.",
    EIM: "Your NAT keeps one public address and port per socket whatever the destination (endpoint-independent "
    "mapping): the address a STUN server sees is the one peers see, so direct calls usually work and the "
    "peer learns your public address.",
    AD: "Your NAT picks a new public port for each destination (a 'symmetric' NAT): the address learned from "
    "STUN is not what a peer sees, so direct calls mostly fail and fall back to a TURN relay, which adds "
    "delay and lets the relay operator see both sides. Your public IP address still shows in the srflx "
    "candidate.",
}
_MAPPING_WORDS[APD] = _MAPPING_WORDS[AD]
_FILTERING_WORDS = {
    EIM: "Anyone may send to an open mapping (endpoint-independent filtering): during a call your port is "
    "reachable from the whole internet.",
    AD: "Only hosts you have sent to may answer (address-dependent filtering).",
    APD: "Only the exact address and port you sent to may answer (address-and-port-dependent filtering), the "
    "strictest kind: both sides must send for a direct path to open.",
}


_FIREWALL_WORDS = {
    EIM: "No firewall filters incoming packets: any host may send to this device's ports.",
    AD: "A firewall lets in only hosts this device has sent to.",
    APD: "A firewall lets in only the exact address and port this device has sent to.",
}


def explain(nat: NatBehaviour) -> str:
    """Plain-words meaning of a ``NatBehaviour`` for the exposure and the call."""
    parts = [_MAPPING_WORDS.get(nat.mapping, f"The NAT mapping could not be determined ({_why(nat, 'mapping')}).")]
    filtering_words = _FIREWALL_WORDS if nat.mapping == NO_NAT else _FILTERING_WORDS
    if nat.filtering in filtering_words:
        parts.append(filtering_words[nat.filtering])
    elif nat.mapping != INCONCLUSIVE:
        parts.append(f"Filtering could not be tested ({_why(nat, 'filtering')}).")
    if nat.mapping in (AD, APD) and nat.filtering == APD:
        parts.append("With this NAT, expect calls to be relayed unless the other side has an open NAT.")
    return " ".join(parts)


def _why(nat: NatBehaviour, part: str) -> str:
    """Why ``part`` (mapping or filtering) came out as it did: its own reason, or its piece of ``reason``."""
    own = nat.mapping_reason if part == "mapping" else nat.filtering_reason
    if own:
        return own
    for piece in nat.reason.split("; "):
        with contextlib.suppress(ValueError):
            name, text = piece.split(": ", 1)
            if name == part:
                return text
    return nat.reason or "no reason recorded"
