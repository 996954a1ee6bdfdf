#!/usr/bin/python3
# Parses an exposition strictly and prints its samples as JSON lines [name, {labels}, value], in order:
#   om_parse.py openmetrics FILE   with prometheus_client's OpenMetrics 1.0 parser (checks # EOF, # UNIT
#                                  against the name, _total/_info suffixes, stateset labels, escaping)
#   om_parse.py text FILE          with its Prometheus text format 0.0.4 parser
# Exit 0 and the samples; 1 with the parser's complaint; 77 when prometheus_client is missing.
import json, math, sys

try:
    from prometheus_client.openmetrics.parser import text_string_to_metric_families as om
    from prometheus_client.parser import text_string_to_metric_families as prom
except ImportError as e:
    print("skip: python3-prometheus-client is not installed (%s)" % e)
    sys.exit(77)

fmt, path = sys.argv[1], sys.argv[2]
text = open(path, encoding="utf-8", errors="strict").read()
try:
    for fam in (om if fmt == "openmetrics" else prom)(text):
        for s in fam.samples:
            v = s.value
            v = "NaN" if math.isnan(v) else v if not math.isinf(v) else ("+Inf" if v > 0 else "-Inf")
            print(json.dumps([s.name, s.labels, v, fam.type, fam.unit if fmt == "openmetrics" else ""],
                             ensure_ascii=False, sort_keys=True))
except Exception as e:  # the parsers raise ValueError and friends
    print("parse error: %s: %s" % (type(e).__name__, e))
    sys.exit(1)
