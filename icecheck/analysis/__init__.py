"""Pure analysis of classified candidates: what an attacker learns, and what the policy says of it.

``infer`` builds exposures (ISP, access technology, NAT/CGNAT, interfaces, VPN leaks, browser
mode) with ``isp``, ``netmap``, ``fingerprint``, ``oui`` and ``parties`` (whose candidates are
whose); ``rules`` is the rule catalogue and its checks; ``policy`` applies a policy preset to
findings; ``diff`` compares two audits. No module here does I/O.
"""

__all__ = ["diff", "fingerprint", "infer", "isp", "netmap", "oui", "parties", "policy", "rules"]
