"""The matcher meets its accuracy targets on the labelled development set."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from knowledge import default_matcher

DEVSET = Path(__file__).resolve().parents[1] / "data" / "devset.yaml"

TARGETS = {
    "in-scope en": 95.0,
    "in-scope other": 90.0,
    "off-topic": 95.0,
}
"""Least share (percent) of each slice the matcher must get right (top-1, or no card)."""


def slice_of(entry: dict) -> str:
    if entry["card"] is None:
        return "off-topic"
    return "in-scope en" if entry["lang"] == "en" else "in-scope other"


@pytest.fixture(scope="module")
def results() -> dict[str, list[tuple[str, str | None, str | None]]]:
    entries = yaml.safe_load(DEVSET.read_text(encoding="utf-8"))
    matcher = default_matcher()
    out: dict[str, list[tuple[str, str | None, str | None]]] = {s: [] for s in TARGETS}
    for entry in entries:
        out[slice_of(entry)].append((entry["q"], entry["card"], matcher.match(entry["q"]).card))
    return out


@pytest.mark.parametrize("slice_name", sorted(TARGETS))
def test_slice_accuracy(results, slice_name: str) -> None:
    rows = results[slice_name]
    assert rows, f"no queries in slice {slice_name}"
    misses = [(q, want, got) for q, want, got in rows if want != got]
    accuracy = 100.0 * (len(rows) - len(misses)) / len(rows)
    listing = "\n".join(f"  {q!r}: want {want}, got {got}" for q, want, got in misses)
    assert accuracy >= TARGETS[slice_name], (
        f"{slice_name}: {accuracy:.1f}% < {TARGETS[slice_name]}% "
        f"({len(misses)} of {len(rows)} missed)\n{listing}"
    )


HELD_OUT = Path(__file__).resolve().parents[1] / "data" / "frozen2.yaml"
HELD_OUT_TARGETS = {"in-scope en": 93.0, "in-scope other": 95.0, "off-topic": 97.0}
"""frozen2.yaml is kept out of the classifier's training: these floors sit a little
under what the shipped model scores there, so a retrained model that generalises worse
fails here."""


@pytest.mark.parametrize("slice_name", sorted(HELD_OUT_TARGETS))
def test_held_out_slice_accuracy(slice_name: str) -> None:
    matcher = default_matcher()
    rows = []
    for entry in yaml.safe_load(HELD_OUT.read_text(encoding="utf-8")):
        if slice_of(entry) != slice_name:
            continue
        want = entry["card"] if entry["card"] != "triage" else None
        found = matcher.match(entry["q"])
        got = found.card
        if entry["card"] == "triage":
            got = None if found.triage else "not triage"
        rows.append(got == want)
    assert rows
    accuracy = 100.0 * sum(rows) / len(rows)
    assert accuracy >= HELD_OUT_TARGETS[slice_name], f"{slice_name}: {accuracy:.1f}%"
