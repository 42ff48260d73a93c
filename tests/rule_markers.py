"""A pytest plugin for tests/test_rule_markers.py: after collection, write each
test's `rule` markers to the JSON file named by $GOZT_RULE_MARKERS_OUT."""

from __future__ import annotations

import json
import os

import pytest


def pytest_collection_finish(session: pytest.Session) -> None:
    out = os.environ.get("GOZT_RULE_MARKERS_OUT")
    if not out:
        return
    items = []
    for item in session.items:
        marks = [{"args": list(m.args), "kwargs": dict(m.kwargs)} for m in item.iter_markers("rule")]
        if marks:
            items.append({"test": item.nodeid, "marks": marks})
    with open(out, "w", encoding="utf-8") as f:
        json.dump(items, f, default=repr)
