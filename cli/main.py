"""Entry point of the `wasteroute` console script."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

from cli import bench as bench_pkg
from cli import commands as commands_pkg


def _discover(package, subparsers) -> None:
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(subparsers)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wasteroute",
        description="Empty waste containers only when they need it.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    parser.add_argument("--log-json", action="store_true", help="log as JSON lines")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    bench = subparsers.add_parser("bench", help="measure performance (see docs/benchmarks.md)")
    bench_sub = bench.add_subparsers(dest="bench_target", metavar="TARGET")
    bench.set_defaults(func=lambda args: (bench.print_help(), 2)[1])
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
        return 2
    try:
        return int(func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a user-facing error: one clear line, no traceback
        from cli.errors import UserError

        if isinstance(exc, UserError):
            print(f"wasteroute: error: {exc}", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
