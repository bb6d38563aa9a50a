"""Housekeeping: deleting what can no longer matter (`docspace-oauth prune`, and `serve`'s
periodic run). rules.py says what each table keeps and why; service.py deletes in bounded
batches; lease.py makes one instance at a time do it."""
