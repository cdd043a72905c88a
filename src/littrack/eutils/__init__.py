"""NCBI E-utilities: the HTTP client, its rate limiter, and parsers for ESearch and EFetch replies."""
