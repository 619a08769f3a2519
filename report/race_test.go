//go:build race

package report_test

// raceDetector is set when the tests run with -race, which changes
// allocations (sync.Pool drops items at random, so encoding/json reuses
// no buffer) and slows the text writer tenfold.
const raceDetector = true
