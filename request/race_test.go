//go:build race

package request

// raceEnabled: the race detector makes sync.Pool drop what is put in it
// at random, so the id batches' allocations cannot be counted.
const raceEnabled = true
