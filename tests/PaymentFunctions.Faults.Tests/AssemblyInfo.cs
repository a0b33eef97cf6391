// Each fault runs about four minutes of real time with a Prometheus scraping every second: three at a time.
[assembly: CollectionBehavior(MaxParallelThreads = 3)]
