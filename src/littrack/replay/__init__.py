"""A fake NCBI E-utilities server on loopback, serving real recorded PubMed records (tests and `littrack demo`)."""
