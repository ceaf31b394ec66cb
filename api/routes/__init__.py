"""The HTTP routes, one module per area; each is thin and gets what it needs from `api.deps`."""
