package shardlog

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"time"
)

// shardState is the small per-shard file "state" (docs/format/segment.md):
// what cannot be derived from the segments. It is replaced atomically.
type shardState struct {
	retention time.Duration
	sealed    bool
	end       uint64 // offset after the last record once sealed
	floor     uint64 // trim horizon never goes below this (raised by SetRetention)
}

const (
	stateFile    = "state"
	stateMagic   = "RHSS"
	stateVersion = 1
	stateSize    = 36
)

var errState = errors.New("shardlog: bad shard state file")

func encodeState(st shardState) []byte {
	b := make([]byte, 0, stateSize)
	b = append(b, stateMagic...)
	var flags byte
	if st.sealed {
		flags = 1
	}
	b = append(b, stateVersion, flags, 0, 0)
	b = binary.LittleEndian.AppendUint64(b, uint64(st.retention.Milliseconds()))
	b = binary.LittleEndian.AppendUint64(b, st.end)
	b = binary.LittleEndian.AppendUint64(b, st.floor)
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

func decodeState(b []byte) (shardState, error) {
	if len(b) != stateSize || string(b[:4]) != stateMagic || b[4] != stateVersion || b[5] > 1 {
		return shardState{}, fmt.Errorf("%w: header", errState)
	}
	if crc32.Checksum(b[:stateSize-4], castagnoli) != binary.LittleEndian.Uint32(b[stateSize-4:]) {
		return shardState{}, fmt.Errorf("%w: checksum mismatch", errState)
	}
	st := shardState{
		sealed:    b[5] == 1,
		retention: time.Duration(binary.LittleEndian.Uint64(b[8:16])) * time.Millisecond,
		end:       binary.LittleEndian.Uint64(b[16:24]),
		floor:     binary.LittleEndian.Uint64(b[24:32]),
	}
	if st.retention < MinRetention || st.retention > MaxRetention {
		return shardState{}, fmt.Errorf("%w: retention %v", errState, st.retention)
	}
	return st, nil
}

// writeAtomic replaces dir/name with data so that a crash leaves either the
// old or the new content: write a temp file, fsync it, rename it over the
// old one and fsync the directory.
func writeAtomic(fs fileSystem, dir, name string, data []byte) error {
	tmp := filepath.Join(dir, name+".tmp")
	f, err := fs.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("create %s: %w", tmp, err)
	}
	if _, err := f.WriteAt(data, 0); err != nil {
		return errors.Join(fmt.Errorf("write %s: %w", tmp, err), f.Close())
	}
	if err := f.Datasync(); err != nil {
		return errors.Join(fmt.Errorf("sync %s: %w", tmp, err), f.Close())
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", tmp, err)
	}
	if err := fs.Rename(tmp, filepath.Join(dir, name)); err != nil {
		return fmt.Errorf("rename %s: %w", tmp, err)
	}
	if err := fs.SyncDir(dir); err != nil {
		return fmt.Errorf("sync dir %s: %w", dir, err)
	}
	return nil
}

// readWhole reads a small file completely.
func readWhole(fs fileSystem, path string) ([]byte, error) {
	f, err := fs.OpenFile(path, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() > 64<<20 {
		return nil, fmt.Errorf("%s: %d bytes is too large", path, st.Size())
	}
	b := make([]byte, st.Size())
	if _, err := f.ReadAt(b, 0); err != nil {
		return nil, err
	}
	return b, nil
}
