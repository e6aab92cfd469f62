//go:build unix

package server

import "syscall"

// openFileLimit returns the process's soft limit on open file descriptors
// (which the Go runtime raises to the hard limit at start), or 0 if unknown.
func openFileLimit() uint64 {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 0
	}
	return uint64(rl.Cur)
}
