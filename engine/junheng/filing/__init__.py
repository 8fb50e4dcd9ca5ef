"""Reading district filings: files in, plain data and locations out."""
