// Each test waits out minutes of real time (rule windows and for: durations at the shipped intervals) and uses little
// CPU meanwhile: all of them at once, not as many as there are cores.
[assembly: CollectionBehavior(MaxParallelThreads = -1)]
