#!/usr/bin/env python3
"""Thin entry point: `python build.py [options]` is `sitegen build [options]`."""
import sys

from sitegen.cli import entry

if __name__ == "__main__":
    entry(["build", *sys.argv[1:]])
