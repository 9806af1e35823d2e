"""What choosing the reply language costs per request: the question's language
(knowledge.detect) and a translated, formatted string (gettext), in microseconds."""

from __future__ import annotations

import functools
import statistics
import time

from bot import i18n
from bot.i18n import _
from knowledge.detect import default_detector, detect_language

QUESTIONS = [
    "why was my order cancelled by the seller",
    "pedido cancelado por el vendedor",
    "por que meu pedido foi cancelado",
    "pourquoi ma commande a été annulée",
    "почему отменили заказ",
    "dlaczego moje zamówienie zostało anulowane",
    "warum wurde meine Bestellung storniert",
    "ok",
]


def per_call(fn, rounds: int = 2000) -> float:  # type: ignore[no-untyped-def]
    samples = []
    for _round in range(5):
        start = time.perf_counter()
        for _i in range(rounds):
            fn()
        samples.append((time.perf_counter() - start) / rounds * 1e6)
    return statistics.median(samples)


def main() -> None:
    start = time.perf_counter()
    default_detector()
    print(f"detector build (first use): {(time.perf_counter() - start) * 1e3:.1f} ms")
    for q in QUESTIONS:
        cost = per_call(functools.partial(detect_language, q))
        print(f"detect {q[:40]!r:44} -> {detect_language(q)!s:4} {cost:.1f} us")
    with i18n.using("pl"):
        msg = "OK, I'll remind you about order %(order)s on %(when)s."
        cost = per_call(lambda: _(msg) % {"order": "8123456789012345", "when": "jutro"})
    print(f"gettext + format (pl): {cost:.2f} us")


if __name__ == "__main__":
    main()
