"""The county-scale benchmark (``make bench``): bench/county.py generates the data and measures the pages."""
