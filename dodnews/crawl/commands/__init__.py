"""Project commands for `scrapy`: a `crawl` that checks arguments and exits non-zero on failure."""
