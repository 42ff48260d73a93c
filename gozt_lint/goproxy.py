"""GOPROXY as the go command reads it (cmd/go/internal/modfetch's proxyList)."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class ProxyEntry:
    text: str  # as written (trimmed)
    url: str  # with the implicit https:// added
    fall_back_on_error: bool  # followed by '|'


def proxy_list(goproxy: str) -> list[ProxyEntry]:
    """GOPROXY's effective entries (modfetch.proxyList): `direct` and `off` end the list."""
    out: list[ProxyEntry] = []
    rest = goproxy
    while rest:
        m = re.search(r"[,|]", rest)
        if m:
            item, sep, rest = rest[: m.start()], rest[m.start()], rest[m.end() :]
        else:
            item, sep, rest = rest, "", ""
        item = item.strip()
        if not item:
            continue
        if item in ("off", "direct"):
            out.append(ProxyEntry(item, item, False))
            break
        url = item
        if re.search(r"[.:/]", url) and ":/" not in url and not url.startswith("/"):
            url = "https://" + url
        out.append(ProxyEntry(item, url, sep == "|"))
    return out
