"""WARC files: writing, digests, reading, repair, indexing, export and replay."""
