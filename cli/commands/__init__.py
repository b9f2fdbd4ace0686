"""`wasteroute` subcommands, one module per command group (discovered by cli.main)."""
