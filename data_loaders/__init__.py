"""Schema, readers, validation, import, the demo scenario and the store."""
