"""Rules of the gosum family."""

from __future__ import annotations
