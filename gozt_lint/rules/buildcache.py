"""Rules of the buildcache family."""

from __future__ import annotations
