"""`python -m pressearch`: the command line."""

from pressearch.cli.app import main

main()
