package nn

import "fmt"

// nnError is the value this package panics with for a programming error:
// "nn: Op: msg", wrapping one of package tensor's sentinels (ErrShape,
// ErrArgument, ...) so that callers can test it with errors.Is.
func nnError(sentinel error, op, format string, args ...any) error {
	return fmt.Errorf("nn: %s: %s: %w", op, fmt.Sprintf(format, args...), sentinel)
}
