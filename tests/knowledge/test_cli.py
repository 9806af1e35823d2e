"""python -m knowledge: the stable command line other tools use, run as a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from knowledge import load_cards
from knowledge.loader import CARDS_DIR

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "knowledge", *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        timeout=60,
        check=False,
    )


def out(proc: subprocess.CompletedProcess[bytes]) -> str:
    return proc.stdout.decode("utf-8")


def err(proc: subprocess.CompletedProcess[bytes]) -> str:
    text = proc.stderr.decode("utf-8")
    assert "Traceback" not in text, text
    return text


def assert_match_shape(data: object) -> None:
    assert isinstance(data, dict)
    assert set(data) == {"card", "score", "alternatives"}
    assert data["card"] is None or isinstance(data["card"], str)
    assert isinstance(data["score"], int | float) and 0 <= data["score"] <= 100
    assert isinstance(data["alternatives"], list) and len(data["alternatives"]) <= 3
    for alt in data["alternatives"]:
        assert set(alt) == {"card", "score"}
        assert isinstance(alt["card"], str)
        assert isinstance(alt["score"], int | float)


def test_match_prints_one_json_object() -> None:
    proc = run("match", "pedido cancelado pelo vendedor")
    assert proc.returncode == 0, err(proc)
    lines = out(proc).splitlines()
    assert len(lines) == 1
    data = json.loads(lines[0])
    assert_match_shape(data)
    assert data["card"] == "seller-cancelled"


def test_match_not_sure_is_null() -> None:
    proc = run("match", "what's the weather today")
    assert proc.returncode == 0, err(proc)
    data = json.loads(out(proc))
    assert_match_shape(data)
    assert data["card"] is None


def test_jsonl_keeps_order_and_answers_empty_lines() -> None:
    queries = ["Shipment cancelled", "", "hello", "IN_FROZEN", "   ", "Awaiting cancellation"]
    proc = run("match", "--jsonl", stdin=("\n".join(queries) + "\n").encode())
    assert proc.returncode == 0, err(proc)
    lines = out(proc).splitlines()
    assert len(lines) == len(queries)
    results = [json.loads(line) for line in lines]
    for data in results:
        assert_match_shape(data)
    assert [r["card"] for r in results] == [
        "shipment-cancelled",
        None,
        None,
        "unreliable-seller",
        None,
        "cancel-request",
    ]
    assert lines[1] == '{"card": null, "score": 0, "alternatives": []}'
    assert results[4] == {"card": None, "score": 0, "alternatives": []}


def test_jsonl_survives_binary_junk_and_a_huge_line() -> None:
    junk = bytes(range(256)).replace(b"\n", b"") + b"\xff\xfe\xc3\x28\x00"
    huge = b"x" * 1_000_000
    huge_words = ("seller cancelled " * 70_000).encode()
    stdin = b"\n".join([junk, huge, huge_words, b"Payment being verified", b"\xe2\x82"]) + b"\n"
    proc = run("match", "--jsonl", stdin=stdin)
    assert proc.returncode == 0, err(proc)
    results = [json.loads(line) for line in out(proc).splitlines()]
    assert len(results) == 5
    for data in results:
        assert_match_shape(data)
    assert results[1]["card"] is None
    assert results[3]["card"] == "payment-verification"


def test_jsonl_without_final_newline_and_crlf() -> None:
    proc = run("match", "--jsonl", stdin=b"Frozen orders\r\nAwaiting shipment")
    assert proc.returncode == 0, err(proc)
    cards = [json.loads(line)["card"] for line in out(proc).splitlines()]
    assert cards == ["unreliable-seller", "awaiting-shipment"]


def test_show_prints_the_card() -> None:
    proc = run("show", "shipment-cancelled")
    assert proc.returncode == 0, err(proc)
    text = out(proc)
    card = load_cards()["shipment-cancelled"]
    assert text.startswith(card.title)
    for heading in ("What it means", "Why it happens", "What to do", "Refund", "Sources"):
        assert heading in text
    assert "  1. " in text and f"  {len(card.steps)}. " in text
    assert "open-dispute" in text  # related


def test_show_unknown_id() -> None:
    proc = run("show", "no-such-card")
    assert proc.returncode == 2
    assert err(proc).strip() == "unknown card 'no-such-card'; try: python -m knowledge list"
    assert out(proc) == ""


def test_list() -> None:
    proc = run("list")
    assert proc.returncode == 0, err(proc)
    lines = out(proc).splitlines()
    cards = load_cards()
    assert len(lines) == len(cards)
    assert {line.split()[0] for line in lines} == set(cards)
    assert any("Shipment cancelled" in line for line in lines)


def test_check_ok() -> None:
    proc = run("check")
    assert proc.returncode == 0, err(proc)
    assert out(proc).strip().startswith(f"ok: {len(load_cards())} cards in 7 languages")


@pytest.fixture
def broken_cards(tmp_path: Path) -> Path:
    for path in CARDS_DIR.glob("*.yaml"):
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    card = yaml.safe_load((tmp_path / "refund-timing.yaml").read_text(encoding="utf-8"))
    del card["meaning"]
    (tmp_path / "refund-timing.yaml").write_text(yaml.safe_dump(card), encoding="utf-8")
    return tmp_path


def test_check_broken_cards(broken_cards: Path) -> None:
    proc = run("check", "--cards", str(broken_cards))
    assert proc.returncode == 1
    message = err(proc).strip()
    assert len(message.splitlines()) == 1
    assert "refund-timing.yaml" in message
    assert "meaning" in message
    assert out(proc) == ""


def test_match_with_broken_cards_is_one_line(broken_cards: Path) -> None:
    proc = run("match", "--cards", str(broken_cards), "Shipment cancelled")
    assert proc.returncode == 1
    assert "refund-timing.yaml" in err(proc)


def test_check_broken_lexicon(tmp_path: Path) -> None:
    lexicon = tmp_path / "lexicon.yaml"
    lexicon.write_text("concepts:\n  a:\n    en: [shop]\n  b:\n    en: [shop]\n", "utf-8")
    proc = run("check", "--lexicon", str(lexicon))
    assert proc.returncode == 1
    message = err(proc).strip()
    assert "lexicon.yaml" in message
    assert "concepts.b" in message


@pytest.mark.parametrize(
    "args",
    [(), ("match",), ("match", "x", "--jsonl"), ("nonsense",), ("show",)],
    ids=["nothing", "match-no-query", "match-both", "unknown-command", "show-no-id"],
)
def test_usage_errors(args: tuple[str, ...]) -> None:
    proc = run(*args, stdin=b"")
    assert proc.returncode == 2
    assert err(proc)


def test_help() -> None:
    proc = run("--help")
    assert proc.returncode == 0
    for command in ("match", "show", "list", "check"):
        assert command in out(proc)
    proc = run("match", "--help")
    assert proc.returncode == 0
    assert "--jsonl" in out(proc)
