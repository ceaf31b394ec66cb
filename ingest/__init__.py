"""Ingestion: load documents, chunk them along their legal structure, write index generations."""
