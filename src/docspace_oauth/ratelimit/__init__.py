"""Per-caller, per-method request limits: in-process, or shared through Redis."""
