"""Scrapy settings for dodnews: polite defaults for the real site, DODNEWS_* for the tool.

Every DODNEWS_* value here is taken from the environment variable of the same name when that is
set and not empty (dodnews.environment), and every value can be overridden with
`scrapy crawl ... -s NAME=VALUE`. A bad value stops the crawl before it starts with one line naming
the setting (dodnews.setting_checks). When a spider is given a loopback `base_url` (the
offline replica), it opens up the throughput settings marked below.
"""

from dodnews import environment as _environment  # lower case: not a setting itself

BOT_NAME = "dodnews"
SPIDER_MODULES = ["dodnews.crawl.spiders"]
NEWSPIDER_MODULE = "dodnews.crawl.spiders"
COMMANDS_MODULE = "dodnews.crawl.commands"
# Shared crawls over Redis (DODNEWS_REDIS_URL); a no-op unless set. The site profile
# (DODNEWS_SITE, `-a site=`) is chosen by the spiders themselves.
ADDONS: dict[str, int] = {
    "dodnews.crawl.distributed.addon.DistributedAddon": 0,
}

# -- dodnews ---------------------------------------------------------------------------------------
# Database URL of the archive (SQLite file by default; postgresql+psycopg://... for a shared one).
DODNEWS_ARCHIVE = ""
DODNEWS_DIFFS_DIR = _environment.DEFAULT_DIFFS_DIR
# Where a site owner can reach the operator; part of USER_AGENT (which follows `-s` of this too).
DODNEWS_CONTACT_URL = "https://github.com/dodnews/dodnews"
# A run fails (non-zero exit) when more than this share of its fetches were blocked or errors.
DODNEWS_MAX_FAILURE_RATIO = 0.5
# Captures are written to the archive this many at a time (one transaction each), and at least
# every DODNEWS_ARCHIVE_FLUSH_SECONDS; a batch size of 1 writes each capture as it comes.
DODNEWS_ARCHIVE_BATCH = 100
DODNEWS_ARCHIVE_FLUSH_SECONDS = 2.0
# Seconds between progress lines on long crawls (0 = off).
DODNEWS_PROGRESS_INTERVAL = 30.0
# Conditional re-captures trust a 304 for this many days after the page was last received whole;
# past that the whole page is fetched again (its digest still spares the parse). 0 = always trust.
DODNEWS_TRUST_304_DAYS = 30.0
# Longest pause of the whole crawl after a 429/503 (Retry-After is honoured up to this).
DODNEWS_MAX_BACKOFF = 300.0
# Raw evidence: every request and response into rotating gzip WARC 1.1 files.
DODNEWS_WARC_ENABLED = True
DODNEWS_WARC_DIR = _environment.DEFAULT_WARC_DIR
DODNEWS_WARC_MAX_SIZE = 1 << 30
# Processes that parse article pages beside the crawl (0 = in the crawl's own thread; a replica
# crawl on loopback uses 1). See dodnews/crawl/extraction_pool.py.
DODNEWS_EXTRACT_WORKERS = 0
# Freed memory (MB) a crawl keeps for reuse instead of returning it to the OS page by page
# (glibc's trim threshold; 0 = glibc's default). See dodnews/crawl/heap.py.
DODNEWS_HEAP_KEEP_MB = 64
# Re-capture scheduling (docs/scheduling.md). `scrapy crawl recheck` uses the budgeted policy
# ("age": the older age table of DODNEWS_RECHECK_POLICY); a request must be worth PRICE edit-hours
# (the waiting its unseen edits piled up), every article is re-captured at least every MAX_DAYS
# if the budget allows, and `dodnews monitor` gives the recheck SHARE of each cycle's requests.
DODNEWS_RECHECK_SCHEDULER = "budgeted"
DODNEWS_SCHEDULE_PRICE = 0.003
DODNEWS_SCHEDULE_MAX_DAYS = 30.0
DODNEWS_RECHECK_SHARE = 0.8
# Write diff reports into DODNEWS_DIFFS_DIR at the end of every crawl that found changes.
DODNEWS_WRITE_REPORTS = True
# Change ids per index page (index.html is the newest page), and entries in atom.xml (older ones
# are in RFC 5005 archive documents atom-archive-N.xml). See docs/reports.md.
DODNEWS_INDEX_PAGE_SIZE = 100
DODNEWS_FEED_ENTRIES = 100
# Extraction health (docs/extraction-health.md): a run whose parsed pages have a field much less
# often than the spider's recent runs did warns. Runs under MIN_PAGES parsed pages (MIN_IMAGES
# photos for caption, credit, VIRIN) are not judged; the baseline is the median of the last RUNS
# qualifying runs (at least MIN_RUNS); a field has fallen when it lost DROP points of share that
# are also RELATIVE_DROP of the baseline.
DODNEWS_COVERAGE_CHECK = True
DODNEWS_COVERAGE_MIN_PAGES = 20
DODNEWS_COVERAGE_MIN_IMAGES = 20
DODNEWS_COVERAGE_RUNS = 5
DODNEWS_COVERAGE_MIN_RUNS = 1
DODNEWS_COVERAGE_DROP = 0.3
DODNEWS_COVERAGE_RELATIVE_DROP = 0.5
# Workers of a shared crawl (DODNEWS_REDIS_URL) share one politeness limit per host, all of them
# together: at most RATE_LIMIT requests a second, BURST at once after a pause (0 = no shared
# limit; off on loopback). A token bucket in Redis, see dodnews/crawl/distributed/politeness.py.
DODNEWS_RATE_LIMIT = 1.0
DODNEWS_RATE_BURST = 1

# The environment wins over the defaults above (`-s` wins over both).
globals().update(_environment.from_environment(list(globals())))

# -- politeness (the real site) ------------------------------------------------------------------
USER_AGENT = f"dodnews/0.1.0 (archival crawler; +{DODNEWS_CONTACT_URL})"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 1  # opened up on loopback
DOWNLOAD_DELAY = 1.0  # opened up on loopback
DOWNLOAD_DELAY_JITTER = 0.5
AUTOTHROTTLE_ENABLED = True  # off on loopback
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 60
# A news article is well under 1 MB; a 16 MB answer is a broken or hostile page (an error capture).
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
REDIRECT_MAX_TIMES = 10
# Scrapy starts this many worker tasks (plus one) for every callback's output, even an empty one;
# ours yield one capture and a few requests, handled in turn by pipelines that never wait, so
# more than one is pure overhead (100 is Scrapy's default).
CONCURRENT_ITEMS = 1

# -- components ----------------------------------------------------------------------------------
REQUEST_FINGERPRINTER_CLASS = "dodnews.crawl.fingerprint.ArticleIdFingerprinter"
# Scrapy components that do nothing for dodnews, off because each one costs every request, response
# and callback output: the spiders count related-story depth themselves (`dodnews_depth`), build
# requests for the site's own hosts only (no allowed_domains to enforce; URLs of normal length)
# and send no credentials. Nor does Scrapy need to read each generator callback's source to warn
# about `return value` (ruff and the tests cover that).
WARN_ON_GENERATOR_RETURN_VALUE = False
SPIDER_MIDDLEWARES = {
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
    "scrapy.spidermiddlewares.urllength.UrlLengthMiddleware": None,
}
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "scrapy.downloadermiddlewares.httpauth.HttpAuthMiddleware": None,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "dodnews.crawl.middlewares.BackoffRetryMiddleware": 550,
    "dodnews.crawl.middlewares.BaseUrlMiddleware": 650,
    "dodnews.crawl.middlewares.OffsiteRedirectMiddleware": 625,  # after BaseUrl, before redirects
    "dodnews.crawl.middlewares.WarcCaptureMiddleware": 950,
}
ITEM_PIPELINES = {
    "dodnews.crawl.pipelines.CountPipeline": 50,
    "dodnews.crawl.pipelines.NormalizePipeline": 100,
    "dodnews.crawl.pipelines.CoveragePipeline": 150,
    "dodnews.crawl.pipelines.ValidatePipeline": 200,
    "dodnews.crawl.pipelines.ArchivePipeline": 500,
}
EXTENSIONS = {
    "scrapy.extensions.logstats.LogStats": None,
    "dodnews.crawl.extensions.CrawlProgress": 500,
    "dodnews.crawl.extensions.KeepFreedHeap": 0,  # DODNEWS_HEAP_KEEP_MB
    "dodnews.crawl.network.QuietNetworkErrors": 0,  # no tracebacks for refused, DNS, timeouts
    "dodnews.crawl.jobdir.JobDirGuard": 0,  # JOBDIR crawls only: resume, start over, or refuse
}

# Code-executing and debugging servers stay off.
REMOTE_CONTROL_ENABLED = False
TELNETCONSOLE_ENABLED = False

LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
