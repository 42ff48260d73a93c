"""Rules of the modcache family."""

from __future__ import annotations
