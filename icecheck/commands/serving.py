"""How ``icecheck serve`` audits each posted result and shows it (helper of commands/serve.py).

One ``Printer`` per command: the policy and lookups of the command line, the chosen format
(text: the usual terminal report under a heading per result; json: one JSON report per line,
with ``browser_runs``; any other format: the report of the one result ``--once`` waits for).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import IO, Any

from icecheck.live.browser_audit import Posted, audit_posted, user_agent_name
from icecheck.model import AuditResult, BrowserRun, InputDocument


class Printer:
    """Audits a result with the command's policy and lookups; writes it in the chosen format."""

    def __init__(self, policy: Any, auditor: Callable[..., AuditResult], fmt: str, out: IO[str] | None) -> None:
        self.policy, self.auditor, self.fmt, self.out = policy, auditor, fmt, out

    def audit(self, doc: InputDocument, posted: Posted) -> tuple[AuditResult, int]:
        from icecheck.analysis.policy import drop_allowed
        from icecheck.report import exit_code

        name, version = user_agent_name(posted.user_agent)
        who = f"{name} {version}" if version else name
        note = f"Gathered by {who} in {posted.elapsed_ms} ms ({posted.finished})."
        result = drop_allowed(audit_posted(doc, self.auditor, [note]), self.policy)
        return result, int(exit_code(result))

    def report(self, result: AuditResult, code: int, posted: Posted, number: int) -> None:
        from icecheck.report import OutputFormat, show, write

        stream = self.out or sys.stdout
        if self.fmt == "json":
            from icecheck.render.json_report import browser_run_dict, to_dict
            from icecheck.render.safe import json_text

            name, version = user_agent_name(posted.user_agent)
            run = BrowserRun(name, version, None, posted.scenario, "ok", posted.elapsed_ms / 1000,
                             f"gathering {posted.finished}", posted.user_agent)  # fmt: skip
            line = to_dict(result, code) | {"browser_runs": [browser_run_dict(run)]}
            stream.write(json_text(json.dumps(line, ensure_ascii=False)) + "\n")
        elif self.fmt == "text":
            from rich.text import Text

            from icecheck.render.safe import safe
            from icecheck.render.terminal import render

            name, version = user_agent_name(posted.user_agent)
            title = safe(f"Result {number}: {name} {version or ''} — {posted.scenario}")
            show(
                lambda width: Text("\n").join([Text(title, style="bold reverse"), render(result, code, width)]),
                self.out,
            )
        else:
            write(result, OutputFormat(self.fmt), self.out, code)
        stream.flush()
