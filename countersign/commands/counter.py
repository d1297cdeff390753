"""``countersign counter``: open the counter terminal, where a clerk serves the customer."""

import argparse
import logging
import os

from countersign.config import load_config
from kiosk.errors import ConfigError

log = logging.getLogger(__name__)


def register(commands, common: argparse.ArgumentParser) -> None:
    counter = commands.add_parser("counter", parents=[common], help="open the counter terminal for a clerk")
    counter.add_argument("--windowed", action="store_true", help="open a normal window instead of a maximised one")
    counter.add_argument(
        "--training",
        action="store_true",
        help="run on a throwaway demo branch with demo customers and training accounts; the branch store in --home is not opened",
    )
    counter.set_defaults(handler=command_counter)


def command_counter(args: argparse.Namespace) -> int:
    """Run the counter terminal until its window closes; raises :class:`ConfigError` without a display."""
    if not any(os.environ.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")):
        raise ConfigError("no display found (DISPLAY and WAYLAND_DISPLAY are unset); the counter terminal needs a screen")
    from kiosk.ui.counter.app import run_counter

    if args.training:
        log.info("counter terminal in training mode with the demo photographs in %s", args.faces)
        return run_counter(None, windowed=args.windowed, training_faces=args.faces)
    return run_counter(load_config(args.home), windowed=args.windowed)
