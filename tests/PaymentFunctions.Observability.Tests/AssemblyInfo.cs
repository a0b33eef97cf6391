// The end-to-end test runs real processes on a machine shared with other builds: one test at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
