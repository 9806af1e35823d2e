"""Card texts in every language: loaded from cards/i18n/<lang>.yaml, refused when a card
or a field is missing, and complete for the packaged cards."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import pytest
import yaml

from knowledge import LANGUAGES, CardError, load_cards
from knowledge.loader import CARDS_DIR, I18N_DIR, missing_translations


def english_texts(cards_dir: Path) -> dict[str, dict[str, object]]:
    out: dict[str, dict[str, object]] = {}
    for cid, card in load_cards(cards_dir).items():
        text = card.text("en")
        out[cid] = {
            "title": f"[es] {text.title}"[:80],
            "summary": text.summary,
            "meaning": text.meaning,
            "causes": list(text.causes),
            "steps": list(text.steps),
            "refund": text.refund,
        }
    return out


@pytest.fixture
def cards_dir(tmp_path: Path) -> Path:
    target = tmp_path / "cards"
    target.mkdir()
    for path in CARDS_DIR.glob("*.yaml"):
        shutil.copy(path, target / path.name)
    return target


def write(cards_dir: Path, lang: str, data: dict[str, object]) -> Path:
    folder = cards_dir / I18N_DIR
    folder.mkdir(exist_ok=True)
    path = folder / f"{lang}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_a_language_file_gives_every_card_its_texts(cards_dir: Path) -> None:
    write(cards_dir, "es", english_texts(cards_dir))
    cards = load_cards(cards_dir)
    card = cards["shipment-cancelled"]
    assert card.text("es").title.startswith("[es] ")
    assert card.text("de") == card.text("en")  # no German file: English
    assert missing_translations(cards) == [lang for lang in LANGUAGES[1:] if lang != "es"]


def test_a_missing_card_or_field_or_step_is_named(cards_dir: Path) -> None:
    base = english_texts(cards_dir)

    texts = copy.deepcopy(base)
    del texts["auto-cancelled"]
    write(cards_dir, "es", texts)
    with pytest.raises(CardError, match=r"^es\.yaml: auto-cancelled: missing"):
        load_cards(cards_dir)

    texts = copy.deepcopy(base)
    del texts["auto-cancelled"]["summary"]
    write(cards_dir, "es", texts)
    with pytest.raises(CardError, match=r"^es\.yaml: auto-cancelled\.summary: Field required"):
        load_cards(cards_dir)

    texts = copy.deepcopy(base)
    texts["auto-cancelled"]["steps"] = texts["auto-cancelled"]["steps"][:-1]  # type: ignore[index]
    write(cards_dir, "es", texts)
    with pytest.raises(CardError, match=r"auto-cancelled\.steps: \d+ items, the English card has"):
        load_cards(cards_dir)


def test_an_unknown_card_or_language_is_refused(cards_dir: Path) -> None:
    base = english_texts(cards_dir)
    texts = copy.deepcopy(base)
    texts["no-such-card"] = texts["auto-cancelled"]
    write(cards_dir, "es", texts)
    with pytest.raises(CardError, match=r"es\.yaml: no-such-card: no such card"):
        load_cards(cards_dir)
    (cards_dir / I18N_DIR / "es.yaml").unlink()
    write(cards_dir, "xx", base)
    with pytest.raises(CardError, match=r"xx\.yaml: not one of en, es"):
        load_cards(cards_dir)


def test_packaged_cards_have_every_field_in_every_language() -> None:
    cards = load_cards()
    assert missing_translations(cards) == []
    for card in cards.values():
        english = card.text("en")
        for lang in LANGUAGES[1:]:
            text = card.text(lang)
            assert text != english, (card.id, lang)
            assert len(text.steps) == len(english.steps), (card.id, lang)
            # API codes and figures are kept as written
            for code in ("PLACE_ORDER_SUCCESS", "IN_CANCEL", "FUND_PROCESSING", "RISK_CONTROL"):
                if code in english.meaning:
                    assert code in text.meaning, (card.id, lang, code)


def test_check_fails_on_a_missing_language(cards_dir: Path) -> None:
    import subprocess
    import sys

    shutil.copytree(CARDS_DIR / I18N_DIR, cards_dir / I18N_DIR)
    ok = subprocess.run(
        [sys.executable, "-m", "knowledge", "check", "--cards", str(cards_dir)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    (cards_dir / I18N_DIR / "pl.yaml").unlink()
    broken = subprocess.run(
        [sys.executable, "-m", "knowledge", "check", "--cards", str(cards_dir)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert broken.returncode == 1
    assert broken.stderr.strip().splitlines() == [
        "i18n/: no card texts in pl (add i18n/<lang>.yaml with every card; see the README)"
    ]
