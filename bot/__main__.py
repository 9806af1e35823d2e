"""``python -m bot``: run every configured adapter (the console when none is)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from bot.adapters import configured_adapters
from bot.app import AdapterFailed, WhyBot
from bot.config import ConfigError, load_settings


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["migrate-data"]:
        from bot.migrate import main as migrate_main

        return migrate_main(argv[1:])
    if argv[:1] == ["stats"]:
        from bot.stats_cli import main as stats_main

        return stats_main(argv[1:])
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="whybot: explains AliExpress order statuses and reminds buyers of deadlines. "
        "Starts every adapter whose token is set (TELEGRAM_BOT_TOKEN, DISCORD_BOT_TOKEN); "
        "with none set, the console. "
        "`python -m bot migrate-data --from URL --to URL` copies a database (see --help there); "
        "`python -m bot stats [--unanswered] [--plot FILE.png]` shows answer statistics.",
    )
    parser.add_argument("--console", action="store_true", help="run the console adapter only")
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"whybot: configuration error: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    return asyncio.run(_run(settings, args.console))


async def _run(settings, force_console: bool) -> int:  # type: ignore[no-untyped-def]
    try:
        bot = WhyBot(settings)
    except ConfigError as exc:  # broken cards in WHYBOT_CARDS_DIR: one line
        print(f"whybot: configuration error: {exc}", file=sys.stderr)
        return 2
    for adapter in configured_adapters(bot.core, settings, force_console):
        bot.add_adapter(adapter)
    try:
        await bot.run()
    except AdapterFailed as exc:  # a platform died while serving: let the supervisor restart
        print(f"whybot: {exc}; exiting so the supervisor restarts it", file=sys.stderr)
        return 3
    except Exception as exc:  # a bad token, an unreachable server: one line, not a traceback
        if bot.serving:
            logging.getLogger("whybot").error("stopped after a failure", exc_info=True)
            print(f"whybot: stopped after a failure: {type(exc).__name__}: {exc}", file=sys.stderr)
            return 1
        logging.getLogger("whybot").debug("start-up failed", exc_info=True)
        print(f"whybot: could not start: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
