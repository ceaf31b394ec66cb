"""`python -m cli`: the `okienko` command from a checkout, without the installed script."""

from cli.main import main

main()
