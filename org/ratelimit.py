"""Who the client is, and how often it may knock: the one home for client addresses and counters.

**Client address.** Behind the reverse proxy every request's `REMOTE_ADDR` is the proxy. The
client's address is taken from `X-Forwarded-For` only when the direct peer is one of
`TRUSTED_PROXIES` (addresses or networks); the header is then read from the right, skipping our own
proxies, and the first address that is not ours is the client. A header sent by anyone else is
ignored, so a client cannot pick its own address to dodge a limit.

**Counters.** Fixed windows in the cache (Redis in production, so a limit holds across web
processes): sign-in failures, scans and leads all count here. When the cache is down the request is
let through and a warning is logged: a cache outage must neither refuse customers nor lock staff out
of signing in, and it must not answer 500.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip())


def networks(entries) -> tuple[Network, ...]:
    """Parse a setting's list of addresses/CIDRs (cached per distinct list)."""
    return _networks(tuple(entries or ()))


def _address(text: str):
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def in_networks(address: str, entries) -> bool:
    ip = _address(address or "")
    return ip is not None and any(ip in net for net in networks(entries))


def client_ip(request) -> str:
    """The client's address: the peer, or the right-most untrusted hop of X-Forwarded-For when the
    peer is a trusted proxy. '' for no request."""
    if request is None:
        return ""
    peer = request.META.get("REMOTE_ADDR", "") or ""
    trusted = getattr(settings, "TRUSTED_PROXIES", ())
    if not trusted or not in_networks(peer, trusted):
        return peer
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        if _address(hop) is None:
            return peer  # a malformed chain: fall back to what we know
        if not in_networks(hop, trusted):
            return hop
    return hops[0] if hops else peer


def client_key(request, *, with_user_agent: bool = False) -> str:
    """A keyed hash of the client (address, optionally user agent): never the raw address."""
    parts = [client_ip(request)]
    if with_user_agent:
        parts.append(request.META.get("HTTP_USER_AGENT", "") if request is not None else "")
    return hashlib.sha256(f"{settings.SECRET_KEY}:{chr(10).join(parts)}".encode()).hexdigest()[:32]


def _key(bucket: str, subject: str) -> str:
    return f"rl:{bucket}:{subject}"


def hit(bucket: str, subject: str, *, limit: int, window_s: int) -> bool:
    """Count one hit; True once more than `limit` hits fall in the window (fail-open)."""
    key = _key(bucket, subject)
    try:
        if cache.add(key, 1, timeout=window_s):
            return limit < 1
        return cache.incr(key) > limit
    except ValueError:  # expired between add and incr: this hit starts a new window
        return False
    except Exception:  # noqa: BLE001 - a cache outage lets the request through, logged
        logger.warning("Rate-limit cache unavailable (bucket %s): letting the request through", bucket, exc_info=True)
        return False


def count(bucket: str, subject: str) -> int:
    """Hits so far in the current window (0 when the cache is down)."""
    try:
        return int(cache.get(_key(bucket, subject)) or 0)
    except Exception:  # noqa: BLE001
        logger.warning("Rate-limit cache unavailable (bucket %s): reading 0", bucket, exc_info=True)
        return 0


def reset(bucket: str, subject: str) -> None:
    try:
        cache.delete(_key(bucket, subject))
    except Exception:  # noqa: BLE001
        logger.warning("Rate-limit cache unavailable (bucket %s): could not reset", bucket, exc_info=True)
