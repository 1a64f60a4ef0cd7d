"""Pure analysis of classified candidates: what an attacker learns, and what the policy says of it.

``infer`` builds exposures (ISP, access technology, NAT/CGNAT, interfaces, VPN leaks, browser
mode) with ``isp``, ``netmap``, ``fingerprint``, ``oui`` and ``parties`` (whose candidates are
whose); ``rules`` is the rule catalogue and its checks; ``policy`` applies a policy preset to
findings; ``diff`` compares two audits; ``links`` gives the one documentation URL and
``rulesamples`` each rule's packaged sample (both read package files). No module here touches
the network.
"""

__all__ = [
    "diff",
    "fingerprint",
    "geo",
    "infer",
    "isp",
    "links",
    "netmap",
    "oui",
    "parties",
    "policy",
    "rules",
    "rulesamples",
]
