"""``scan --jobs``: the same report whatever the number of processes (issue 13).

A capture split across processes is read whole by each, and each dispatches its share of the
messages (``lanes``); the parts merge into what one process reads. The reports are compared
as JSON text: same items, ids, order, counts, origins, findings, diagnostics.
"""

from __future__ import annotations

import io
import random
import re
import struct
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from benchmarks.mediamix import write_media_mix
from icecheck.analysis.policy import preset
from icecheck.audit import AuditSettings, audit
from icecheck.inputs import grouping, jobs, limits, sipmsg, synth, wire
from icecheck.inputs.lanes import call_id_of
from icecheck.inputs.scanner import ScanOutput, read_capture, scan_file
from icecheck.inputs.sink import _last
from icecheck.model import Origin
from icecheck.render.json_report import write_json
from tests.conftest import SAMPLES, run_cli

CAPTURES = sorted(p for p in (SAMPLES / "captures").iterdir() if p.suffix != ".md")


def _report(outputs: list[ScanOutput]) -> str:
    """The JSON report of these outputs, as ``icecheck scan --offline`` writes it."""
    docs = [o.document for o in outputs]
    facts = [f for o in outputs for f in o.wire]
    notes = [*grouping.notes(grouping.group(docs)), *wire.software_notes(facts), *(o.summary or "" for o in outputs)]
    settings = AuditSettings(preset("default"))
    result = audit(docs, settings, extra_exposures=wire.wire_exposures(docs, facts), notes=notes)
    out = io.StringIO()
    write_json(result, 0, out)
    return out.getvalue()


def _split(paths: list[Path], parts: int) -> str:
    return _report([out for out, _ in jobs.scan_files([str(p) for p in paths], None, parts, split_from=0)])


@pytest.fixture(scope="module")
def mix(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Calls over UDP (some INVITEs IP-fragmented), TCP (split messages) and WebSocket (masked,
    some messages in two frames), STUN, TURN ChannelData, RTP: about 1.5 MB."""
    path = tmp_path_factory.mktemp("mix") / "mix.pcap"
    with open(path, "wb") as f:
        write_media_mix(f, 1_500_000, seed=7, rtp_per_call=20)
    return path


@pytest.mark.parametrize("sample", CAPTURES, ids=lambda p: p.name)
def test_every_sample_gives_the_same_report_split_or_not(sample: Path) -> None:
    whole = _report([scan_file(str(sample))])
    assert _split([sample], 2) == whole
    assert _split([sample], 3) == whole


def test_a_synthetic_call_mix_gives_the_same_report_split_or_not(mix: Path) -> None:
    out = scan_file(str(mix))
    assert out.summary and "0 reassembled" not in out.summary  # IP fragments were put together
    whole = _report([out])
    assert '"count": 2' in whole and "WebSocket message" in whole and "packets " in whole  # split TCP
    assert _split([mix], 2) == whole
    assert _split([mix], 4) == whole


def test_parts_that_spill_give_the_same_report(mix: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each part and the merge hold one item in memory (the processes are forked: the bound holds
    in them), the rest go to disk, and travel as files."""
    whole = _report([scan_file(str(mix))])
    monkeypatch.setattr(limits, "IN_MEMORY", 1)
    part = read_capture(str(mix), None, 1, 2).sink
    assert part.store is not None and sum(part.store.held) > 100 and len(part.candidates) + len(part.addresses) <= 1
    assert _split([mix], 2) == whole
    assert _split([mix], 3) == whole


def test_each_part_dispatches_its_own_share(mix: Path) -> None:
    whole = read_capture(str(mix)).sink
    parts = [read_capture(str(mix), None, i, 2).sink for i in range(2)]
    assert all(p.candidates for p in parts)
    assert not set(parts[0].candidates) & set(parts[1].candidates)
    assert set(parts[0].candidates) | set(parts[1].candidates) == set(whole.candidates)


def test_a_part_that_never_spilled_travels_with_its_items_and_folds(mix: Path, tmp_path: Path) -> None:
    """``_ship`` pickles such a part without the spool hook (``jobs._dumps_part``): every item,
    fold and ordinal comes back, each repeat's last origin built and its record folded
    (``merge.settle``, as the merge and the document build them); the memo of shared strings
    stays behind."""
    read = read_capture(str(mix), None, 1, 2)
    sink = read.sink
    assert sink.store is None and sink.order is not None and sink.repeats and sink.names
    assert any(type(seen[1]) is not Origin for seen in sink.repeats.values())  # what builds it, held
    repeats = {k: [v[0], _last(v, sink.names), v[2]] for k, v in sink.repeats.items()}

    def folded(items: dict[Any, Any]) -> dict[Any, Any]:
        return {k: replace(r, count=repeats[k][0], last=repeats[k][1]) if k in repeats else r for k, r in items.items()}

    held = (folded(sink.candidates), folded(sink.addresses), repeats)
    assert any(r.count > 1 for r in held[1].values())
    order = (list(sink.order.candidates), list(sink.order.addresses), dict(sink.order.wire))
    shipped, items = jobs._ship(read, str(tmp_path))
    assert items is None
    back = jobs.load((shipped, items), str(tmp_path)).sink
    assert back.order is not None
    assert (back.candidates, back.addresses, back.repeats) == held
    assert (back.order.candidates, back.order.addresses, back.order.wire) == order
    assert list(back.candidates) == list(held[0]) and list(back.addresses) == list(held[1])
    assert not back.names
    assert all(type(seen[1]) is Origin for seen in back.repeats.values())


def test_a_damaged_capture_gives_the_same_report_and_diagnostics_split_or_not(mix: Path, tmp_path: Path) -> None:
    data = bytearray(mix.read_bytes())
    rng = random.Random(3)
    for _ in range(5):  # records whose bytes were lost mid-stream: TCP gaps, framing lost, bad SIP
        at = rng.randrange(len(data) // 10, len(data) - 5000)
        del data[at : at + rng.randrange(100, 3000)]
    struct.pack_into("<I", data, 24 + 8, 1 << 30)  # the first record claims 1 GiB: resynchronised
    damaged = tmp_path / "damaged.pcap"
    damaged.write_bytes(bytes(data[: len(data) - 77]))  # and cut short
    whole = _report([scan_file(str(damaged))])
    assert whole.count('"level": "error"') > 3
    assert _split([damaged], 2) == whole


def test_a_folder_gives_the_files_in_order(mix: Path, tmp_path: Path) -> None:
    files = [*CAPTURES, mix]
    assert _split(files, 2) == _report([scan_file(str(p)) for p in files])


def test_the_cli_gives_the_same_json_with_one_or_two_jobs(tmp_path: Path) -> None:
    big = tmp_path / "big.pcap"  # above jobs.SPLIT_FROM: split across the processes
    with open(big, "wb") as f:
        write_media_mix(f, jobs.SPLIT_FROM + 500_000, seed=11, rtp_per_call=30)
    one = run_cli("scan", str(big), "--format", "json", "--jobs", "1")
    two = run_cli("scan", str(big), "--format", "json", "--jobs", "2")
    assert one.returncode == two.returncode and one.returncode in (0, 1)
    assert one.stdout == two.stdout and '"candidates": [' in one.stdout


# -- the Call-ID each part routes by is the one the dispatcher reads ---------------------------------

_SIP_HEADS = [
    "INVITE sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nCall-ID: abc@h\r\nCSeq: 1 INVITE\r\n",
    "SIP/2.0 200 OK\r\ni: compact-form\r\nCSeq: 1 INVITE\r\n",
    "BYE sip:b@h SIP/2.0\r\ncall-id:   spaced \t\r\nCALL-ID: second\r\n",
    "ACK sip:b@h SIP/2.0\r\nCall-ID: folded\r\n  continued\r\n\tand more\r\nTo: x\r\n",
    "ACK sip:b@h SIP/2.0\r\nCall-ID: a\r\nno colon here\r\n more\r\n",
    "ACK sip:b@h SIP/2.0\r\nCall-ID: b  \r\nTo: <sip:a@b>\r\n folded-to\r\n",
    "ACK sip:b@h SIP/2.0\r\nCall-ID: last-line",
    "OPTIONS sip:b@h SIP/2.0\r\nCall-ID : name-space\r\n",
    "OPTIONS sip:b@h SIP/2.0\r\nX-Call-ID: not-it\r\n",
    "OPTIONS sip:b@h SIP/2.0\r\n Call-ID: first-line-indented\r\n",
    "OPTIONS sip:b@h SIP/2.0\r\n\x0bCall-ID: vertical-tab\r\n",
    "OPTIONS sip:b@h SIP/2.0\r\nCall-ID: caf\u00e9\r\n",
    "OPTIONS sip:b@h SIP/2.0\r\nCall-ID: lone\rcr\r\n",
    "OPTIONS sip:b@h SIP/2.0\nCall-ID: lf-only\nCSeq: 1 OPTIONS\n",
    "OPTIONS sip:b@h SIP/2.0\r\nCSeq: 1 OPTIONS\r\n",
    "OPTIONS sip:b@h SIP/2.0",
    "not sip at all\r\nCall-ID: x\r\n",
]


@pytest.mark.parametrize("head", _SIP_HEADS)
@pytest.mark.parametrize("end", ["\r\n", "\n\n", ""])
def test_call_id_of_reads_what_parse_sip_reads(head: str, end: str) -> None:
    data = (head + end + "v=0\r\nCall-ID: in-the-body\r\n").encode()
    parsed = sipmsg.parse_sip(data)
    if not isinstance(parsed, str):  # what is not SIP is routed somewhere, but always the same way
        assert call_id_of(data) == parsed.call_id


def test_call_id_of_agrees_on_every_sample_message_and_mutations() -> None:
    text = (SAMPLES / "captures" / "baresip-sip-trace.log").read_text()
    messages = [m.encode() for m in re.split(r"\n(?=(?:[A-Z]+ sip:|SIP/2\.0 ))", text) if "SIP/2.0" in m]
    rng = random.Random(5)
    for data in list(messages):  # header-name case, compact forms, stray bytes
        mutated = bytearray(data)
        for _ in range(3):
            at = rng.randrange(len(mutated))
            mutated[at : at + 1] = rng.choice([b" ", b"\t", b"\r", b"\n", b"\x0b", b":", b"i", b"I", b"\xc3"])
        messages.append(bytes(mutated))
        messages.append(data.replace(b"Call-ID:", b"i:").replace(b"CSeq", b"cseq"))
    assert len(messages) > 20
    for data in messages:
        parsed = sipmsg.parse_sip(data)
        if not isinstance(parsed, str):
            assert call_id_of(data) == parsed.call_id, data


def test_tunnels_sctp_and_ice_tcp_give_the_same_report_split_or_not(tmp_path: Path) -> None:
    from tests.inputs import test_capture_encapsulations as enc

    frames = [synth.ip((*enc.MIRROR, proto, payload))[0] for proto, payload in enc.TUNNELS.values()]
    msg = enc.sip("sctp-fragmented")
    chunks = [synth.sctp_data(7 + i, 3, 1, 0, msg[i * 300 : i * 300 + 300], i == 0, i == 2) for i in range(3)]
    frames += enc.packets(
        *(enc.sctp(c) for c in (chunks[2], chunks[0], chunks[1])), enc.sctp(synth.sctp_data(1, 0, 0, 0, enc.sip("s")))
    )
    response = synth.stun_message(0x0101, enc.TX, [(0x0020, synth.xor_address("203.0.113.7", 9, enc.TX))])
    framed = synth.tcp_session((enc.CLIENT, 9), (enc.SERVER, 50000), [(False, enc.framed(response) * 2)], mss=7)
    frames += enc.packets(*framed)
    path = Path(enc.write(tmp_path, frames))
    whole = _report([scan_file(str(path))])
    assert "SCTP messages" in whole and "unwrapped from GRE" in whole and "RFC 4571 framing" in whole
    assert _split([path], 2) == whole
    assert _split([path], 3) == whole


def _large_sdp(tmp_path: Path, n: int) -> Path:
    """An SDP with ``n`` distinct host candidates."""
    at = [f"10.{i >> 16}.{(i >> 8) & 255}.{i & 255}" for i in range(n)]
    lines = [f"a=candidate:{i} 1 udp 2130706431 {a} 4000 typ host" for i, a in enumerate(at)]
    path = tmp_path / "large.sdp"
    head = "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n"
    path.write_text(head + "\r\n".join(lines) + "\r\n")
    return path


def test_a_file_read_whole_sends_its_spilled_items_as_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file read whole that spilled (here past 100 items) came back as one pickle of all its items;
    its spools now travel as their files: copied into the run's directory, or as bytes for Dask."""
    from icecheck.inputs.spool import BATCH, Spool

    monkeypatch.setattr(limits, "IN_MEMORY", 100)
    sdp = _large_sdp(tmp_path, 3 * BATCH)
    result = jobs.read_file(str(sdp))
    items = result[0].document.candidates
    assert isinstance(items, Spool) and len(items) == 3 * BATCH
    where = tmp_path / "where"
    where.mkdir()
    sent = jobs._dumps(result, str(where))
    assert len(sent) < len(jobs._dumps(items[:BATCH])) * 1.5  # the first batch, not the other two
    assert [p.suffix for p in where.iterdir()] == [".spool"]
    for shipped in (sent, jobs._dumps(result, None)):
        back = jobs._loads(shipped)[0].document
        assert isinstance(back.candidates, Spool) and list(back.candidates) == list(items)
    assert not list(where.iterdir())  # adopted: unlinked, alive while the spool is


def test_a_folder_with_a_file_that_spilled_gives_the_same_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from icecheck.inputs.spool import BATCH

    monkeypatch.setattr(limits, "IN_MEMORY", 100)  # the forked processes see it too
    files = [_large_sdp(tmp_path, 2 * BATCH + 5), *CAPTURES]
    assert _split(files, 2) == _report([scan_file(str(p)) for p in files])
