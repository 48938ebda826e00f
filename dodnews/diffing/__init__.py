"""Change detection: old Article, new Article -> ChangeReport (pure, no Scrapy)."""
