//go:build linux

package shardlog

import (
	"io"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// datasync is fdatasync(2): it flushes data and the file size but not
// mtime, which is all a log needs and saves a journal commit on ext4/xfs.
func datasync(f *os.File) error {
	for {
		err := syscall.Fdatasync(int(f.Fd()))
		if err != syscall.EINTR {
			return err
		}
	}
}

// maxIOV is the kernel's IOV_MAX.
const maxIOV = 1024

// writeVecAt writes bufs contiguously at off with pwritev(2), so a commit
// round writes a shard's many appends with one system call and no copy.
func writeVecAt(f *os.File, bufs [][]byte, off int64) error {
	fd := int(f.Fd())
	for len(bufs) > 0 {
		batch := bufs[:min(len(bufs), maxIOV)]
		n, err := unix.Pwritev(fd, batch, off)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		if n == 0 {
			return io.ErrShortWrite
		}
		off += int64(n)
		// Drop what was written, keeping a partly written buffer's rest.
		for n > 0 {
			if n >= len(bufs[0]) {
				n -= len(bufs[0])
				bufs = bufs[1:]
			} else {
				// In a copy of the list: the caller writes the same
				// buffers again elsewhere (the journal).
				bufs = append([][]byte{bufs[0][n:]}, bufs[1:]...)
				n = 0
			}
		}
	}
	return nil
}
