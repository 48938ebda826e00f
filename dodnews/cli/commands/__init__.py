"""Subcommands of `dodnews`: each module defines `register(subparsers)`."""
