"""Entry point of the `wasteroute` console script.

Every error the user can fix is one line on stderr, `wasteroute: error: ...` (or the
command's name), saying what is wrong and what to do, with exit code 2 and no traceback:
argument errors through `OneLineParser`, everything else through `cli.errors.user_message`.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import re
import sys
from collections.abc import Sequence
from typing import NoReturn

from cli import bench as bench_pkg
from cli import commands as commands_pkg

EXIT_USER_ERROR = 2


def _readable(message: str) -> str:
    """argparse's own wording made to say what to do (e.g. a type's bare ValueError)."""
    return re.sub(
        r"invalid fromisoformat value: ('[^']*')",
        r"\1 is not a valid date or time (like 2026-11-25 or 2026-11-25T05:00)",
        message,
    )


class OneLineParser(argparse.ArgumentParser):
    """An argument error is one line that names the command and points at its --help."""

    def error(self, message: str) -> NoReturn:
        self.exit(
            EXIT_USER_ERROR,
            f"{self.prog}: error: {_readable(message)} (see `{self.prog} --help`)\n",
        )


def _discover(package, subparsers) -> None:
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(subparsers)


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="wasteroute",
        description="Empty waste containers only when they need it.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    parser.add_argument("--log-json", action="store_true", help="log as JSON lines")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    bench = subparsers.add_parser("bench", help="measure performance (see docs/benchmarks.md)")
    bench_sub = bench.add_subparsers(dest="bench_target", metavar="TARGET")

    def bench_help(args: argparse.Namespace) -> int:
        bench.print_help()
        return EXIT_USER_ERROR

    bench.set_defaults(func=bench_help)
    _discover(bench_pkg, bench_sub)
    _discover(commands_pkg, subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from cli.logs import configure_logging

    configure_logging(verbose=args.verbose, json_lines=args.log_json)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return EXIT_USER_ERROR
    try:
        return int(func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a user-facing error: one clear line, no traceback
        from cli.errors import user_message

        message = user_message(exc)
        if message is None:
            raise
        print(f"wasteroute: error: {message}", file=sys.stderr)
        return EXIT_USER_ERROR


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
