"""The load bench: `python bench/run.py` (see docs/performance.md).

- run: the entry point (options, then the phases in order, then the table)
- options: the command line, and the sizes of a full and a quick run
- processes: the server as deployed, the ceiling, stopping them, their CPU and RSS
- load: wrk and one measured run (warm-up, CPU accounting, py-spy)
- report: rows, the table, the results file, progress on stderr
- targets: the targets, checked once every row is measured
- databases: a fresh database per run
- seed, tables: bulk rows straight into the server's tables, by column name
- scenarios/: the phases (ceiling, service, listing, deletion, instances)
- peer/: Authlib's Flask server (app.py, in its own virtualenv) and its phase
- ceiling: the bare Starlette app; profile: py-spy and its summary by layer
"""
