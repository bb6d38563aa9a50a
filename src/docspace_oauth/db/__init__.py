"""Storage: engine, sessions, the ORM base and the migrations that apply themselves."""
