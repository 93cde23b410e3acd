"""Data loaders for trying Onsite out: `demo` fills a database with a realistic working week."""
