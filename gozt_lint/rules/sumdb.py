"""Rules of the sumdb family."""

from __future__ import annotations
