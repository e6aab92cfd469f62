//go:build unix

package lake

import "syscall"

// errNotDir is returned when a key's path runs through a file ("a/b" when
// "a" is an object).
var errNotDir error = syscall.ENOTDIR
