"""Ingest: read article files, clean them, split them into sentence-aware chunks, find who
said what, and write each document's chunks, sentences and record into the store."""
