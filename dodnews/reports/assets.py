"""Inline CSS and the Content-Security-Policy shared by the HTML reports and the index."""

from __future__ import annotations

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data: https: http:"

CSS = """\
:root { color-scheme: light; --ink: #1d2430; --muted: #5b6472; --line: #d5dae1;
  --del: #ffe1e1; --del-ink: #8a1111; --ins: #dcf5dc; --ins-ink: #0c5a14; --note: #fff6d6;
  --note-line: #d9a400; --accent: #1d4e89; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--ink); background: #f5f6f8; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 28px 48px; background: #fff;
  min-height: 100vh; }
header.report { border-bottom: 3px solid var(--accent); padding-bottom: 12px; margin-bottom: 18px; }
h1 { font-size: 1.6rem; margin: 0 0 6px; line-height: 1.25; }
h2 { font-size: 1.2rem; margin: 28px 0 10px; color: var(--accent);
  border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 1rem; margin: 16px 0 6px; }
a { color: var(--accent); }
td, dd, li, p, a { overflow-wrap: anywhere; }
.meta { color: var(--muted); margin: 2px 0; }
.url { font-family: ui-monospace, Menlo, Consolas, monospace; word-break: break-all; }
.badge { display: inline-block; padding: 1px 8px; margin: 0 4px 4px 0; border-radius: 10px;
  background: #e8eef6; color: var(--accent); font-size: .8rem; white-space: nowrap; }
.badge.revert { background: #fde8c8; color: #7a4300; }
.badge.extractor { background: #ece4f7; color: #4b2a7a; }
.sig { display: inline-block; min-width: 3.2em; text-align: center; font-weight: 600;
  border-radius: 4px; padding: 0 6px; background: #eef1f4; }
.sig.high { background: #f8d3d3; color: #7d0d0d; }
.sig.mid { background: #fbe8bd; color: #6b4a00; }
ul.summary { padding-left: 1.2em; }
.notice { border: 1px solid var(--note-line); border-left: 6px solid var(--note-line);
  background: var(--note); padding: 10px 14px; margin: 10px 0; border-radius: 4px; }
.notice h3 { margin-top: 0; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; }
th, td { border: 1px solid var(--line); padding: 6px 10px; vertical-align: top; text-align: left; }
th { background: #eef1f4; font-weight: 600; }
table.sbs { table-layout: fixed; }
table.sbs td { width: 50%; }
td.num, th.num { width: 7em; white-space: nowrap; color: var(--muted); }
td.empty { background: repeating-linear-gradient(45deg, #fafafa, #fafafa 6px, #f0f0f0 6px,
  #f0f0f0 12px); }
tr.added td.new, tr.removed td.old { background: #fbfdfb; }
tr.removed td.old { background: #fffafa; }
del { background: var(--del); color: var(--del-ink); text-decoration: line-through; }
ins { background: var(--ins); color: var(--ins-ink); text-decoration: underline; }
.fig del, .fig ins { font-weight: 600; font-size: 1.05em; padding: 0 3px; }
dl.prov { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; }
dl.prov dt { font-weight: 600; color: var(--muted); }
dl.prov dd { margin: 0; font-family: ui-monospace, Menlo, Consolas, monospace;
  word-break: break-all; }
details { margin: 8px 0; }
summary { cursor: pointer; color: var(--accent); }
.cols { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
.cols ol { padding-left: 2em; }
.cols li.changed { background: #fff8e0; }
img.shot { max-width: 100%; border: 1px solid var(--line); }
nav.filters a { margin-right: 4px; text-decoration: none; }
ol.events { list-style: none; padding: 0; }
ol.events > li { border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px;
  margin: 8px 0; }
ol.events > li.group { border-left: 6px solid var(--note-line); }
.when { color: var(--muted); font-size: .9rem; white-space: nowrap; }
.members { columns: 2; font-size: .9rem; }
.filter-target { display: block; scroll-margin-top: 8px; }
footer { margin-top: 32px; color: var(--muted); font-size: .85rem; }
"""
