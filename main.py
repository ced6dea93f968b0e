#!/usr/bin/env python3
"""ScratchNet: draw a digit and watch a NumPy network read it, or train one yourself.

    python main.py                     open the desktop app
    python main.py train ... --out M   train from the command line
    python main.py evaluate / predict  measure or use a model
    python main.py --self-test         check the whole app headlessly
"""
import sys

if __name__ == "__main__":
    try:   # every import inside: Ctrl+C while the program is still loading gets a word, not a traceback
        # The process that augments training batches (engine/speed/augment_processes.py) starts as a new run of
        # this program. In the executable, freeze_support() turns that run into the child; everything else is
        # imported below it, so that the child, which imports this file too, loads nothing it does not use.
        import multiprocessing
        multiprocessing.freeze_support()
        from cli.main import main
        code = main()
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        code = 130
    sys.exit(code)
