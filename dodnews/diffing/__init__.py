"""Change detection: old Article, new Article -> ChangeReport (pure, no Scrapy).

The public surface is `detect.detect_changes` and the report model in `model`; the other modules
are its parts. How a report is printed belongs to `dodnews.reports` (`reports/diff_formats.py`
for the plain forms `dodnews diff` prints). Nothing is imported here, so that reading the model
(as the CLI parser does for its `--kind` choices) does not load the detector.
"""
