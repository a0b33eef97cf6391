#!/usr/bin/env python3
"""Renders the repository's prometheus.yml for a local run (scripts/demo.sh --fleet), as the end-to-end tests do:
only the scrape targets, the scrape and evaluation intervals are replaced, and the rule files are made absolute.
The alerting section stays as it is.
Usage: render-prometheus-config.py SOURCE TARGET(host:port) INTERVAL(e.g. 1s) OUTPUT"""
import os
import sys

import yaml

source, target, interval, output = sys.argv[1:5]
with open(source, encoding="utf-8") as f:
    config = yaml.safe_load(f)

config.setdefault("global", {})
config["global"]["scrape_interval"] = interval
config["global"]["evaluation_interval"] = interval
base = os.path.dirname(os.path.abspath(source))
config["rule_files"] = [os.path.normpath(os.path.join(base, f)) for f in config.get("rule_files", [])]
for job in config.get("scrape_configs", []):
    if "scrape_interval" in job:
        job["scrape_interval"] = interval
    for static in job.get("static_configs", []):
        static["targets"] = [target]

with open(output, "w", encoding="utf-8") as f:
    yaml.safe_dump(config, f, sort_keys=False)
