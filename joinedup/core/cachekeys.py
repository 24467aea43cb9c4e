"""Cache keys that one app sets and another clears, named once."""

# Whether the demo (synthetic) partnership is loaded: read by the shell for the
# banner, cleared by the demo seeder when it loads or removes the partnership.
SYNTHETIC_DATA = "joinedup:synthetic-data"
