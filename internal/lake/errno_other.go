//go:build !unix

package lake

import "errors"

// errNotDir matches nothing where ENOTDIR does not exist.
var errNotDir = errors.New("lake: not a directory")
