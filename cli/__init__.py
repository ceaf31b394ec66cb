"""The `okienko` command: the entry point that starts the API, runs ingest and the evaluation.

It lives outside `api/` so that `api/` is only the HTTP service: the command is the one place
that imports `api/`, `ingest/` and `eval/` together. `main.py` holds the commands; `adoption/`
is what `okienko docs build` runs, and it reads all of them.
"""
