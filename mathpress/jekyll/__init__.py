"""Jekyll compatibility: the importer, Jekyll's rules (URLs, dates, defaults), Liquid, kramdown habits."""
