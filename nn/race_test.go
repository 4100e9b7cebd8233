//go:build race

package nn_test

// raceEnabled skips allocation counts: under the race detector sync.Pool
// drops items on purpose, and the engine's scratch with them.
const raceEnabled = true
