"""A small STUN (RFC 5389) and TURN (RFC 8656) client on aioice's message classes.

aioice's own client drops every failure silently, so this one reports each outcome: a request
returns the server's response (success or error class) or raises ``StunError`` whose ``status``
is an ``Attempt`` status token: ``timeout``, ``refused`` (ICMP port unreachable), ``no-network``
(no route, address not available), ``auth-failed`` or ``error``.

UDP endpoints are unconnected (a host candidate's socket talks to several servers, and RFC 5780
answers come from another address), so ICMP errors are read from the socket's error queue
(``IP_RECVERR``, see ip(7)), which names the destination that failed.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import hashlib
import ipaddress
import os
import socket
import struct
from dataclasses import dataclass, field
from typing import Any, Protocol, cast

from aioice.stun import Class, Message, Method, parse_message

from icecheck.model import AttemptStatus

Address = tuple[str, int]

RTO = 0.5  # RFC 5389 §7.2.1: initial retransmission timeout
RC = 7  # RFC 5389 §7.2.1: requests sent before giving up
RM = 16  # RFC 5389 §7.2.1: last wait is Rm·RTO
CHANGE_IP, CHANGE_PORT = 0x04, 0x02  # RFC 5780 §7.2 CHANGE-REQUEST flags
UDP_TRANSPORT = 17 << 24  # RFC 8656 §18.7 REQUESTED-TRANSPORT: protocol number, then RFFU
AUTH_FAILED = {401, 431, 441}  # Unauthorized, Integrity Check Failure, Wrong Credentials (RFC 8656 §7.4)
_IP_RECVERR, _IPV6_RECVERR = 11, 25  # <linux/in.h>, <linux/in6.h>
_ERRNO_STATUS = {
    errno.ECONNREFUSED: AttemptStatus.REFUSED,
    errno.ENETUNREACH: AttemptStatus.NO_NETWORK,
    errno.EHOSTUNREACH: AttemptStatus.NO_NETWORK,
    errno.EADDRNOTAVAIL: AttemptStatus.NO_NETWORK,
}


class StunError(Exception):
    """A failed STUN/TURN exchange; ``status`` is an ``Attempt`` status token."""

    def __init__(self, status: AttemptStatus, detail: str) -> None:
        super().__init__(f"{status}: {detail}")
        self.status = status
        self.detail = detail


def os_error(exc: OSError) -> StunError:
    """Map a socket error to its ``StunError`` (refused, no-network or error)."""
    return StunError(_ERRNO_STATUS.get(exc.errno or 0, AttemptStatus.ERROR), exc.strerror or str(exc))


def norm(addr: tuple[Any, ...]) -> Address:
    """``(host, port)`` with the host in canonical form (IPv6 flow info and scope dropped)."""
    return ipaddress.ip_address(addr[0]).compressed, int(addr[1])


def _sockaddr(addr: tuple[Any, ...]) -> Address:
    """``(host, port)`` of a socket address: already canonical (inet_ntop), only trimmed."""
    return str(addr[0]), int(addr[1])


class Transactor(Protocol):
    async def request(self, message: Message, server: Address) -> tuple[Message, Address]: ...

    def send(self, message: Message, server: Address) -> None: ...


class StunEndpoint(asyncio.DatagramProtocol):
    """An unconnected UDP socket running STUN client transactions (RFC 5389 §7.2.1)."""

    def __init__(self) -> None:
        self._transport: asyncio.DatagramTransport | None = None
        self._pending: dict[bytes, tuple[Address, asyncio.Future[tuple[Message, Address]]]] = {}
        self._sending: Address | None = None
        self._errq: socket.socket | None = None
        self._local: Address | None = None

    @classmethod
    async def bind(cls, host: str, port: int = 0) -> StunEndpoint:
        """Bind to ``host:port``; raises ``OSError`` when the address is not usable."""
        loop = asyncio.get_running_loop()
        _, endpoint = await loop.create_datagram_endpoint(cls, local_addr=(host, port))
        sock = endpoint.transport.get_extra_info("socket")
        v6 = sock.family == socket.AF_INET6
        errq = socket.socket(sock.family, socket.SOCK_DGRAM, 0, os.dup(sock.fileno()))
        errq.setsockopt(socket.IPPROTO_IPV6 if v6 else socket.IPPROTO_IP, _IPV6_RECVERR if v6 else _IP_RECVERR, 1)
        errq.setblocking(False)
        endpoint._errq = errq
        return endpoint

    @property
    def transport(self) -> asyncio.DatagramTransport:
        assert self._transport is not None, "endpoint not bound"
        return self._transport

    @property
    def local(self) -> Address:
        """The bound local address."""
        if self._local is None:
            self._local = _sockaddr(self.transport.get_extra_info("sockname"))
        return self._local

    async def request(self, message: Message, server: Address, rto: float = RTO) -> tuple[Message, Address]:
        """Send ``message`` to ``server`` and retransmit until a response (of either class) arrives.

        Returns ``(response, source address)``; the source may differ from ``server`` (RFC 5780
        CHANGE-REQUEST). Raises ``StunError`` on timeout or a socket error.
        """
        return await self.start(message, server, rto)

    def start(self, message: Message, server: Address, rto: float = RTO) -> asyncio.Future[tuple[Message, Address]]:
        """Send now and return the future of ``request``; cancelling it stops the retransmissions.

        RFC 5389 §7.2.1: resend after RTO, 2·RTO, 4·RTO... (Rc sends), then wait Rm·RTO.
        """
        server, loop = norm(server), asyncio.get_running_loop()
        fut: asyncio.Future[tuple[Message, Address]] = loop.create_future()
        tid, data, timer = message.transaction_id, bytes(message), None
        self._pending[tid] = (server, fut)

        def transmit(sent: int, delay: float) -> None:
            nonlocal timer
            if fut.done():
                return
            if sent == RC:
                fut.set_exception(StunError(AttemptStatus.TIMEOUT, f"no answer after {RC} requests"))
            else:
                self._send(data, server)
                timer = loop.call_later(delay if sent + 1 < RC else RM * rto, transmit, sent + 1, delay * 2)

        def finish(_: object) -> None:
            self._pending.pop(tid, None)
            if timer is not None:
                timer.cancel()

        fut.add_done_callback(finish)
        transmit(0, rto)
        return fut

    def send(self, message: Message, server: Address) -> None:
        """Send without waiting for an answer (socket errors raise ``StunError``)."""
        fut: asyncio.Future[tuple[Message, Address]] = asyncio.get_running_loop().create_future()
        self._pending[message.transaction_id] = (norm(server), fut)
        try:
            self._send(bytes(message), norm(server))
        finally:
            self._pending.pop(message.transaction_id, None)
        if fut.done():
            fut.result()

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
        if self._errq is not None:
            self._errq.close()
            self._errq = None

    def _send(self, data: bytes, server: Address) -> None:
        self._sending = server  # asyncio reports a failed sendto through error_received()
        try:
            self.transport.sendto(data, server)
        finally:
            self._sending = None

    def _fail(self, server: Address, error: StunError) -> None:
        for dest, fut in self._pending.values():
            if dest == server and not fut.done():
                fut.set_exception(error)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.DatagramTransport, transport)  # 3.11's is no DatagramTransport subclass

    def datagram_received(self, data: bytes, addr: tuple[Any, ...]) -> None:
        try:
            message = parse_message(data)
        except (ValueError, struct.error, UnicodeDecodeError):
            return  # not STUN, or malformed: RFC 5389 §7.3 says discard
        entry = self._pending.get(message.transaction_id)
        if entry and message.message_class in (Class.RESPONSE, Class.ERROR) and not entry[1].done():
            entry[1].set_result((message, _sockaddr(addr)))

    def error_received(self, exc: Exception) -> None:
        if self._sending is not None and isinstance(exc, OSError):
            self._fail(self._sending, os_error(exc))
            return
        for dest, err in self._drain_errors():
            self._fail(dest, StunError(_ERRNO_STATUS.get(err, AttemptStatus.ERROR), os.strerror(err)))

    def _drain_errors(self) -> list[tuple[Address, int]]:
        """Read the error queue: (original destination, errno) per ICMP error (ip(7) IP_RECVERR)."""
        out: list[tuple[Address, int]] = []
        while self._errq is not None:
            try:
                _, anc, _, dest = self._errq.recvmsg(1, 512, socket.MSG_ERRQUEUE)
            except OSError:
                break
            for _, _, cdata in anc:  # struct sock_extended_err starts with __u32 ee_errno
                if len(cdata) >= 4 and dest:
                    out.append((_sockaddr(dest), struct.unpack_from("=I", cdata)[0]))
        return out


class StunStream:
    """A STUN client over a TCP connection (RFC 5389 §7.2.2: no retransmissions, framing by length)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader, self._writer = reader, writer

    @classmethod
    async def connect(cls, server: Address) -> StunStream:
        """Open the connection; raises ``StunError`` (refused, no-network, error)."""
        try:
            reader, writer = await asyncio.open_connection(server[0], server[1])
        except OSError as exc:
            raise os_error(exc) from exc
        return cls(reader, writer)

    async def request(self, message: Message, server: Address) -> tuple[Message, Address]:
        """Write ``message`` and read messages until the one with its transaction ID."""
        try:
            self._writer.write(bytes(message))
            while True:
                header = await self._reader.readexactly(20)
                body = await self._reader.readexactly(struct.unpack_from("!H", header, 2)[0])
                response = parse_message(header + body)
                if response.transaction_id == message.transaction_id:
                    return response, norm(server)
        except asyncio.IncompleteReadError as exc:
            raise StunError(AttemptStatus.ERROR, "connection closed by the server") from exc
        except OSError as exc:
            raise os_error(exc) from exc
        except (ValueError, struct.error) as exc:
            raise StunError(AttemptStatus.ERROR, f"malformed STUN message: {exc}") from exc

    def send(self, message: Message, server: Address) -> None:
        """Write without waiting for an answer."""
        self._writer.write(bytes(message))

    def close(self) -> None:
        self._writer.close()


def binding_request(change: int = 0) -> Message:
    """A Binding request (RFC 5389 §7.1), with RFC 5780 §7.2 CHANGE-REQUEST flags if ``change``."""
    message = Message(Method.BINDING, Class.REQUEST)
    if change:
        message.attributes["CHANGE-REQUEST"] = change
    return message


def mapped_address(response: Message) -> Address:
    """XOR-MAPPED-ADDRESS (RFC 5389 §15.2), else the RFC 3489 MAPPED-ADDRESS; ``StunError`` if neither."""
    if response.message_class == Class.ERROR:
        raise StunError(AttemptStatus.ERROR, f"error response {error_text(response)}")
    value = response.attributes.get("XOR-MAPPED-ADDRESS") or response.attributes.get("MAPPED-ADDRESS")
    if value is None:
        raise StunError(AttemptStatus.ERROR, "Binding response without a mapped address")
    return norm(value)


def error_text(response: Message) -> str:
    code, reason = response.attributes.get("ERROR-CODE", (0, "no ERROR-CODE"))
    return f"{code} {reason}".strip()


@dataclass(frozen=True, slots=True)
class LongTermAuth:
    """RFC 5389 §10.2 long-term credentials: key = MD5(username ":" realm ":" password)."""

    username: str
    realm: str
    nonce: bytes
    key: bytes = field(repr=False)

    def sign(self, message: Message) -> Message:
        message.attributes.update(USERNAME=self.username, REALM=self.realm, NONCE=self.nonce)
        message.add_message_integrity(self.key)  # RFC 5389 §15.4, then FINGERPRINT §15.5
        return message


@dataclass(frozen=True, slots=True)
class Allocation:
    """A TURN allocation (RFC 8656 §7.3): relayed and server-reflexive (mapped) addresses."""

    relayed: Address
    mapped: Address
    lifetime: int


async def allocate(
    client: Transactor, server: Address, username: str, password: str
) -> tuple[Allocation, LongTermAuth]:
    """Create an allocation (RFC 8656 §7.1): unauthenticated Allocate, 401 challenge, signed retry,
    one more retry on 438 Stale Nonce (RFC 5389 §10.2.3). Raises ``StunError``: ``auth-failed``
    when the credentials are refused (401/431/441 after signing), ``error`` otherwise."""
    response, _ = await client.request(_allocate_request(), server)
    if response.message_class == Class.RESPONSE:
        raise StunError(
            AttemptStatus.ERROR, "server allocated without authentication (not a TURN server with credentials)"
        )
    if response.error_code != 401 or not {"REALM", "NONCE"} <= response.attributes.keys():
        raise StunError(AttemptStatus.ERROR, f"Allocate refused: {error_text(response)}")
    realm: str = response.attributes["REALM"]
    key = hashlib.md5(f"{username}:{realm}:{password}".encode()).digest()
    auth = LongTermAuth(username, realm, response.attributes["NONCE"], key)
    response, _ = await client.request(auth.sign(_allocate_request()), server)
    if response.error_code == 438 and "NONCE" in response.attributes:
        auth = LongTermAuth(username, realm, response.attributes["NONCE"], key)
        response, _ = await client.request(auth.sign(_allocate_request()), server)
    return _allocation(response, auth), auth


def _allocate_request() -> Message:
    message = Message(Method.ALLOCATE, Class.REQUEST)
    message.attributes["REQUESTED-TRANSPORT"] = UDP_TRANSPORT
    return message


def _allocation(response: Message, auth: LongTermAuth) -> Allocation:
    if response.message_class == Class.ERROR:
        status = AttemptStatus.AUTH_FAILED if response.error_code in AUTH_FAILED else AttemptStatus.ERROR
        raise StunError(status, f"{error_text(response)} (user {auth.username!r}, realm {auth.realm!r})")
    if not response.check_message_integrity(auth.key):
        raise StunError(AttemptStatus.ERROR, "Allocate success response failed MESSAGE-INTEGRITY")
    attrs = response.attributes
    if "XOR-RELAYED-ADDRESS" not in attrs or "XOR-MAPPED-ADDRESS" not in attrs:
        raise StunError(
            AttemptStatus.ERROR, "Allocate success response lacks XOR-RELAYED-ADDRESS or XOR-MAPPED-ADDRESS"
        )
    return Allocation(norm(attrs["XOR-RELAYED-ADDRESS"]), norm(attrs["XOR-MAPPED-ADDRESS"]), attrs.get("LIFETIME", 0))


def release(client: Transactor, server: Address, auth: LongTermAuth) -> None:
    """Delete an allocation: send a signed Refresh with LIFETIME 0 (RFC 8656 §8.1) and move on.

    No answer is awaited: the client is done with the allocation, and should the request be
    lost the server deletes the allocation when its lifetime ends (RFC 8656 §7.2, 600 s).
    """
    message = Message(Method.REFRESH, Class.REQUEST)
    message.attributes["LIFETIME"] = 0
    with contextlib.suppress(StunError):
        client.send(auth.sign(message), server)
