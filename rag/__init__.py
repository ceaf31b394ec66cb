"""Okienko's core: documents, embeddings, the vector index and retrieval.

`rag` imports nothing from `api`, `ingest` or `eval`; each outside system is touched by one module.
"""
