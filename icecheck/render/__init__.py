"""Pure renderers: an ``AuditResult`` in, text out; every string from the input escaped.

``terminal`` (laid out by ``layout``, escaped by ``safe``), ``json_report``, ``sarif``, ``markdown``,
``github`` (workflow annotations) and ``junit``; ``locate`` maps a finding's evidence to its origins.
``icecheck.report`` chooses among them and writes the result.
"""

__all__ = ["github", "json_report", "junit", "layout", "locate", "markdown", "safe", "sarif", "terminal"]
