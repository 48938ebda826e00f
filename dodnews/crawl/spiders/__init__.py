"""Spiders: `news` discovers and captures articles, `recheck` re-captures known ones when due."""
