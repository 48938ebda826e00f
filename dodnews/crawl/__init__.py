"""The crawl, the only package that imports Scrapy.

Spiders, middlewares, pipelines, extensions, the browser, the extraction pool, distributed workers.
"""
