"""Rules of the toolchain family."""

from __future__ import annotations
