#!/usr/bin/env python3
"""Thin entry point: `python build.py [options]` is `sitegen build [options]`."""
import sys

from sitegen.cli import main

if __name__ == "__main__":
    sys.exit(main(["build", *sys.argv[1:]]))
