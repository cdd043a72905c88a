"""littrack: watch PubMed for ketamine, fibromyalgia and CRPS papers and write digests."""

__version__ = "0.1.0"
