"""Command-line commands, a module each; cli.py only wires them into argparse."""
