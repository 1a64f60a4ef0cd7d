"""The live network machinery of ``icecheck gather`` and ``icecheck nat``.

``urls`` parses ``stun:``/``turn:`` URLs; ``resolve`` resolves server names only through a resolver
chosen explicitly; ``stun`` is a STUN/TURN client that records every attempt; ``nat`` runs RFC 5780
NAT discovery and ``natwords`` says what a result means; ``interfaces`` reads the local interfaces
and the default route; ``modes`` computes what each browser privacy mode would signal;
``liveaudit`` audits a gathering; ``runner`` turns command-line choices into a gathering.
Everything else in icecheck works without this package.
"""

__all__ = ["interfaces", "liveaudit", "modes", "nat", "natwords", "resolve", "runner", "stun", "urls"]
