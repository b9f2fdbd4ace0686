"""`wasteroute bench` targets, one module per target (discovered by cli.main)."""
