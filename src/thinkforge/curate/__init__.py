"""Curation building blocks: pools, dedup, decontamination, reformat re-check, selection, export, data card.

Each module is a set of pure functions; the ``curate`` stage wires them into a resumable run.
"""
