#!/usr/bin/env python3
"""ScratchNet: draw a digit and watch a NumPy network read it, or train one yourself.

    python main.py                     open the desktop app
    python main.py train ... --out M   train from the command line
    python main.py evaluate / predict  measure or use a model
    python main.py --self-test         check the whole app headlessly
"""
import sys

from cli.main import main

if __name__ == "__main__":
    sys.exit(main())
