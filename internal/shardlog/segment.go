package shardlog

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// segment is one segment file of a shard. base and path never change; end
// and size are set once, under shard.mu, when the segment is sealed by a
// roll, and are read without the lock only through snapshots taken after.
type segment struct {
	base uint64
	path string
	name string

	sealed bool
	end    uint64 // offset after the last record; valid once sealed
	size   int64  // bytes; valid once sealed

	haveSum bool  // lastTs is known (guarded by shard.mu)
	lastTs  int64 // arrival time of the last record
}

func newSegment(dir string, base uint64) *segment {
	name := segmentName(base)
	return &segment{base: base, name: name, path: filepath.Join(dir, name)}
}

func segmentName(base uint64) string { return fmt.Sprintf("%020d.seg", base) }

// parseSegmentName returns the base offset of a "<base:020d>.seg" name.
func parseSegmentName(name string) (uint64, bool) {
	s, ok := strings.CutSuffix(name, ".seg")
	if !ok || len(s) != 20 {
		return 0, false
	}
	n, err := strconv.ParseUint(s, 10, 64)
	return n, err == nil
}

func (g *segment) idxPath() string { return strings.TrimSuffix(g.path, ".seg") + ".idx" }
func (g *segment) tixPath() string { return strings.TrimSuffix(g.path, ".seg") + ".tix" }

// scanBufSize is the read size when scanning whole segments.
const scanBufSize = 4 << 20

// scanSegment reads a segment from the start and indexes its longest valid
// prefix. valid is that prefix's length; err describes why it stopped
// before size (nil when the whole file is valid).
func scanSegment(ctx context.Context, f file, base uint64, size int64) (x *segIndex, valid int64, err error) {
	x = &segIndex{base: base}
	buf := make([]byte, scanBufSize)
	var pos int64
	next := base
	var lastTs int64
	for pos < size {
		if err := ctx.Err(); err != nil {
			return x, pos, err
		}
		n := int64(len(buf))
		if size-pos < n {
			n = size - pos
		}
		b := buf[:n]
		if _, err := f.ReadAt(b, pos); err != nil && !errors.Is(err, io.EOF) {
			return x, pos, fmt.Errorf("read at %d: %w", pos, err)
		}
		used := 0
		for used < len(b) {
			r, fl, derr := decodeFrame(b[used:])
			if errors.Is(derr, errFrameShort) && used > 0 {
				break // refill from this frame
			}
			if errors.Is(derr, errFrameShort) {
				if need := frameLen(b[used:]); need > len(b) && int64(need) <= size-pos {
					buf = make([]byte, need)
					b = buf[:need]
					if _, err := f.ReadAt(b, pos); err != nil && !errors.Is(err, io.EOF) {
						return x, pos, fmt.Errorf("read at %d: %w", pos, err)
					}
					continue
				}
				return x, pos + int64(used), derr
			}
			if derr != nil {
				return x, pos + int64(used), derr
			}
			if r.Offset != next || (x.records > 0 && r.Timestamp < lastTs) {
				return x, pos + int64(used), fmt.Errorf("%w: record offset %d where %d was expected", errFrameFormat, r.Offset, next)
			}
			x.add(r.Offset, pos+int64(used), r.Timestamp, fl)
			lastTs = r.Timestamp
			next++
			used += fl
		}
		pos += int64(used)
	}
	return x, pos, nil
}

// listSegments returns the base offsets of dir's segments in order and
// removes leftover temp files.
func listSegments(fs fileSystem, dir string) ([]uint64, error) {
	ents, err := fs.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var bases []uint64
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".tmp") {
			_ = fs.Remove(filepath.Join(dir, e.Name()))
			continue
		}
		if b, ok := parseSegmentName(e.Name()); ok {
			bases = append(bases, b)
		}
	}
	// ReadDir sorts by name and names are zero-padded: bases are ordered.
	return bases, nil
}

func fileSize(fs fileSystem, path string) (int64, error) {
	st, err := fs.Stat(path)
	if err != nil {
		return 0, err
	}
	if !st.Mode().IsRegular() {
		return 0, fmt.Errorf("%s: not a regular file", path)
	}
	return st.Size(), nil
}

// writeIndexFiles stores a sealed segment's index. The files are caches and
// are not fsynced: a torn or missing one fails its checksum and is rebuilt.
func writeIndexFiles(fs fileSystem, g *segment, x *segIndex) error {
	for _, p := range []struct {
		path string
		data []byte
	}{{g.idxPath(), encodeIdx(x)}, {g.tixPath(), encodeTix(x)}} {
		f, err := fs.OpenFile(p.path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
		if err != nil {
			return fmt.Errorf("create index %s: %w", p.path, err)
		}
		_, err = f.WriteAt(p.data, 0)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("write index %s: %w", p.path, err)
		}
	}
	return nil
}
