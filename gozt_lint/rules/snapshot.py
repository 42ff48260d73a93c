"""Rules of the snapshot family."""

from __future__ import annotations
