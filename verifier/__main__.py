import sys

from verifier.cli import main

if __name__ == "__main__":      # dask worker processes (spawn) re-import this module
    sys.exit(main())
