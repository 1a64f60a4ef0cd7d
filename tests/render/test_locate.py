"""``locate.origins`` resolves evidence ids without a table per item, and the audit classifies each
distinct address once (issue 13 item 5): what a report of a large capture holds stays its items."""

from __future__ import annotations

from dataclasses import replace

from icecheck.analysis.policy import preset
from icecheck.audit import AuditSettings, audit
from icecheck.inputs.sdpfile import read_sdp_path
from icecheck.model import AuditResult
from icecheck.render.locate import origins
from tests.conftest import SAMPLES

SAMPLE = SAMPLES / "real" / "chromium-gum-raw.sdp"  # 24 candidates, 3 addresses, repeats


def _result() -> AuditResult:
    return audit([read_sdp_path(str(SAMPLE))], AuditSettings(preset("default")))


def _table(result: AuditResult) -> dict[str, object]:
    out = {c.id: c.record.origin for c in result.candidates}
    out.update({a.id: a.record.origin for a in result.addresses})
    return out


def test_origins_is_the_table_of_ids() -> None:
    result = _result()
    assert result.candidates and result.addresses
    where, table = origins(result), _table(result)
    assert dict(where) == table and len(where) == len(table) and list(where) == list(table)
    assert all(where[ref] is table[ref] for ref in table)
    for missing in ("c0", f"c{len(result.candidates) + 1}", "a0", "x1", "c", "", "c1x"):
        assert missing not in where and where.get(missing) is None


def test_origins_of_items_numbered_otherwise() -> None:
    result = _result()
    shuffled = replace(result, candidates=result.candidates[::-1], addresses=result.addresses[::-1])
    where = origins(shuffled)
    assert dict(where) == _table(shuffled)
    first = result.candidates[0]
    assert where[first.id] is first.record.origin  # found in the table, not by position


def test_equal_addresses_share_one_classification() -> None:
    result = _result()
    by_address: dict[str, set[int]] = {}
    for item in [*result.candidates, *result.addresses]:
        by_address.setdefault(item.facts.address, set()).add(id(item.facts))
    assert any(len([i for i in [*result.candidates, *result.addresses] if i.facts.address == a]) > 1
               for a in by_address)  # fmt: skip
    assert all(len(ids) == 1 for ids in by_address.values())
