#!/usr/bin/python3
"""The seed's stack: the same three metric updates of one payment with Python's prometheus_client.

Times counter.labels(...).inc() and the two histogram observations with label lookups, exactly as the seed
tutorial's payment service records them, on a dedicated registry. Prints the median nanoseconds per payment
over several rounds, as JSON.
"""
import json
import statistics
import sys
import time

from prometheus_client import CollectorRegistry, Counter, Histogram

registry = CollectorRegistry()
requests = Counter("payment_requests_total", "Payment attempts", ["status", "gateway", "user_tier"], registry=registry)
duration = Histogram("payment_duration_seconds", "Duration", ["gateway", "payment_method"],
                     buckets=[0.1, 0.25, 0.5, 1, 2.5, 5, 10], registry=registry)
amount = Histogram("payment_amount_usd", "Amount", ["currency", "user_tier"],
                   buckets=[1, 10, 50, 100, 500, 1000, 5000], registry=registry)


def record(n):
    start = time.perf_counter_ns()
    for _ in range(n):
        requests.labels(status="success", gateway="stripe", user_tier="premium").inc()
        duration.labels(gateway="stripe", payment_method="paypal").observe(0.123)
        amount.labels(currency="USD", user_tier="premium").observe(50.0)
    return (time.perf_counter_ns() - start) / n


iterations = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
record(10_000)  # warm-up
rounds = [record(iterations) for _ in range(7)]
print(json.dumps({"median_ns": statistics.median(rounds), "rounds_ns": rounds, "iterations": iterations}))
