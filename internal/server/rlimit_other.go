//go:build !unix

package server

// openFileLimit returns 0: no descriptor limit to size caches by.
func openFileLimit() uint64 { return 0 }
