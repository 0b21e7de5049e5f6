"""The app layer: queries, metrics, translations, UI components and the CLI."""
