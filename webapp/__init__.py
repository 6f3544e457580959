"""The app layer that every page shares, by job: ``caching`` (the bounded, server-wide caches),
``url_state`` (reading, checking and writing the URL), ``chrome`` (page setup, navigation, the shared
analysis), ``widgets`` (block pickers, the diagram viewer, table columns). vizcore computes; this package
and the pages only read widgets, call vizcore and render."""
