package shardlog

import (
	"io"
	"os"
	"path/filepath"
)

// fileSystem is the narrow seam through which File touches the disk, so
// tests can inject failed writes and fsyncs. It is unexported on purpose:
// the only caller that swaps it is this package's tests.
type fileSystem interface {
	OpenFile(name string, flag int, perm os.FileMode) (file, error)
	Remove(name string) error
	RemoveAll(name string) error
	Rename(from, to string) error
	MkdirAll(name string, perm os.FileMode) error
	ReadDir(name string) ([]os.DirEntry, error)
	Stat(name string) (os.FileInfo, error)
	// SyncDir fsyncs a directory so created, renamed and removed entries
	// survive a crash.
	SyncDir(name string) error
}

// file is an open segment, index or state file.
type file interface {
	io.ReaderAt
	io.WriterAt
	io.Closer
	// Datasync flushes the file's data and size (fdatasync where available).
	Datasync() error
	// WriteVecAt writes bufs back to back at off (pwritev where available).
	WriteVecAt(bufs [][]byte, off int64) error
	Truncate(size int64) error
	Stat() (os.FileInfo, error)
}

type osFS struct{}

type osFile struct{ *os.File }

func (f osFile) Datasync() error { return datasync(f.File) }

func (f osFile) WriteVecAt(bufs [][]byte, off int64) error { return writeVecAt(f.File, bufs, off) }

func (osFS) OpenFile(name string, flag int, perm os.FileMode) (file, error) {
	f, err := os.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return osFile{f}, nil
}

func (osFS) Remove(name string) error                     { return os.Remove(name) }
func (osFS) RemoveAll(name string) error                  { return os.RemoveAll(name) }
func (osFS) Rename(from, to string) error                 { return os.Rename(from, to) }
func (osFS) MkdirAll(name string, perm os.FileMode) error { return os.MkdirAll(name, perm) }
func (osFS) ReadDir(name string) ([]os.DirEntry, error)   { return os.ReadDir(name) }
func (osFS) Stat(name string) (os.FileInfo, error)        { return os.Stat(name) }

func (osFS) SyncDir(name string) error {
	d, err := os.Open(filepath.Clean(name))
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
