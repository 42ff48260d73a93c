"""Rules of the gomod family."""

from __future__ import annotations
