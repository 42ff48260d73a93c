"""Rules of the history family."""

from __future__ import annotations
