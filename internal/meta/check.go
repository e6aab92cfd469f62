package meta

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
	"runtime/debug"
)

// bbolt's meta page layout (go.etcd.io/bbolt/internal/common/meta.go): a
// 16-byte page header, then magic, version, page size, flags (uint32 each),
// the root bucket (root pgid, sequence), the freelist pgid, the high water
// mark (the first page id not in use), the txid and an FNV-64a checksum of
// the 56 bytes before it. Native byte order; rheo supports little-endian
// machines only, as bbolt files are not portable anyway.
const (
	boltPageHeader = 16
	boltMagic      = 0xED0CDAED
	boltVersion    = 2
	boltMetaSize   = 64
)

// checkFile refuses a meta.db too short for the pages its newest valid
// meta page says are in use. bbolt maps the file and would fault
// (SIGBUS, killing the process with a goroutine dump) on the first read of
// a page past the end of a truncated file, instead of returning an error.
// Anything else wrong with the meta pages is left to bbolt, which reports it.
func checkFile(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil // Open creates it
	}
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	size := fi.Size()
	if size == 0 {
		return nil // bbolt initialises an empty file
	}
	var best struct {
		ok             bool
		txid, pageSize uint64
		hwm            uint64
	}
	// Meta page 0 is at offset 0; meta page 1 at one page size, which only
	// page 0 can tell, so try the page sizes bbolt may have used.
	offsets := []int64{0}
	for ps := int64(1024); ps <= 64<<10; ps *= 2 {
		offsets = append(offsets, ps)
	}
	buf := make([]byte, boltPageHeader+boltMetaSize)
	for _, off := range offsets {
		if _, err := f.ReadAt(buf, off); err != nil {
			if errors.Is(err, io.EOF) {
				continue
			}
			return err
		}
		m := buf[boltPageHeader:]
		le := binary.LittleEndian
		if le.Uint32(m[0:]) != boltMagic || le.Uint32(m[4:]) != boltVersion {
			continue
		}
		h := fnv.New64a()
		h.Write(m[:56])
		if h.Sum64() != le.Uint64(m[56:]) {
			continue
		}
		ps := uint64(le.Uint32(m[8:]))
		if off != 0 && uint64(off) != ps {
			continue // not where this page size puts meta page 1
		}
		txid := le.Uint64(m[48:])
		if !best.ok || txid > best.txid {
			best.ok, best.txid, best.pageSize, best.hwm = true, txid, ps, le.Uint64(m[40:])
		}
	}
	if !best.ok {
		return nil // bbolt reports invalid meta pages itself
	}
	if need := best.hwm * best.pageSize; uint64(size) < need {
		return fmt.Errorf("%s is truncated: %d bytes, but its last committed transaction uses %d pages of %d bytes (%d bytes); restore it from a backup", path, size, best.hwm, best.pageSize, need)
	}
	return nil
}

// openBolt runs open with bbolt's panics and memory faults turned into
// errors: bbolt panics on some damaged files (an invalid freelist page) and
// a fault on its mapping would otherwise kill the process.
func openBolt[T any](path string, open func() (T, error)) (v T, err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("meta: open: %s is damaged: %v", path, r)
		}
	}()
	return open()
}
