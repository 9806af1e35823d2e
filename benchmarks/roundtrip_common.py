"""What the two adapter round-trip benchmarks share: the questions asked and the maths."""

from __future__ import annotations

QUESTIONS = (
    "shipment cancelled",
    "seller cancelled my order",
    "Versand storniert",
    "payment being verified",
    "refund when",
    "order closed for security reasons",
    "how do I open a dispute",
    "zzqx",  # no match: the list of statuses with a button each
)


def percentile(values: list[float], p: float) -> float:
    """The nearest-rank ``p``-th percentile of ``values``."""
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))
    return ordered[index]
