"""The `wasteroute` command line.

Subcommands are discovered: every module in `cli.commands` that defines
`register(subparsers)` adds one or more subcommands, and every module in `cli.bench`
that defines `register(subparsers)` adds a `wasteroute bench NAME` target. A subcommand
sets `func` (taking the parsed args, returning an exit code) with `set_defaults`.
The CLI is the only layer that may import every package and `print`.
"""
