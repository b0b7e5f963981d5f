//go:build race

package bridge

// raceEnabled: the race detector allocates too, so allocation counts
// mean nothing under it.
const raceEnabled = true
