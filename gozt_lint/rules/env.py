"""Rules of the env family."""

from __future__ import annotations
