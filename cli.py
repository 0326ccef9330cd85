"""Run the egovkit command from a source checkout: ``python cli.py --help``."""
from egovkit.cli import main

if __name__ == "__main__":
    main()
