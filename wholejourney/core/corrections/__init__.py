"""Correcting records: edit in place with a version, void instead of delete, a history of both.

Each app registers the kinds of record it lets people correct from its own `corrections.py`
(`registry.register`), with the form it is entered with and the rules it was created under; the
services here apply an edit or a void the same way for every kind, from the pages, the API and
the command line."""
