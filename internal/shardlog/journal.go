package shardlog

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// The journal.
//
// Under SyncAlways every commit round used to end with one fdatasync per
// touched segment. On a virtio disk four parallel fdatasyncs of small writes
// take 2.8 times as long as one (docs/benchmarks.md, "Fifth session"), so a
// round of small appends spread over several shards paid for every shard.
// With Options.Journal set, such a round still writes each shard's bytes to
// its segment, but also writes all of them as one entry to a shared,
// preallocated journal file and fdatasyncs only that file. The segments are
// fdatasynced later, at a checkpoint: when the journal is nearly full, on
// Sync, Seal, Close and after DeleteShard. A checkpoint then starts a new
// journal generation by rewriting the header, which retires every entry.
//
// OpenFile replays the journal before any shard is loaded: each entry's
// pieces are written again at their segment positions (writing bytes that
// are already there changes nothing), the touched segments are fdatasynced
// and a new generation starts. Replay skips pieces whose shard state file
// or segment file is gone: the shard was deleted, or retention removed the
// segment, after the entry was written.
//
// Rounds that write more than journalMaxRound bytes, or that touch a single
// shard, go straight to the segments as before: a large round amortizes its
// fdatasyncs, and a journal entry would write every byte twice.
//
// The layout is in docs/format/journal.md.

const (
	journalName       = "journal"
	journalMagic      = "RHEOJNL1"
	journalHeaderSize = 4096
	entryHeaderSize   = 16 // length u32, crc u32, generation u64
	pieceHeaderSize   = 32 // stream u64, shard u32, length u32, segment base u64, position u64

	// journalMaxRound is the most a round may write to use the journal.
	journalMaxRound = 256 << 10

	minJournal = 1 << 20
	maxJournal = 1 << 30
)

// journal is the shared write-ahead file of small commit rounds. Only the
// committer goroutine (and OpenFile, before it starts) touches it.
type journal struct {
	fh   file
	path string
	size int64
	gen  uint64
	pos  int64 // where the next entry goes
	end  int64 // the file's size: zeros are written ahead of pos in steps
	used bool  // entries were written in this generation
	// stuck is set when a round failed while the journal held data: the
	// journal may then be the only durable copy of acknowledged records,
	// so it is never reset again by this process, and no longer used.
	stuck bool
	// full: stuck only because a write found no space, so a checkpoint
	// that syncs every segment may use the journal again, from retry on.
	full  bool
	retry time.Time
	hdr   []byte   // entry and piece headers of the round being written
	bufs  [][]byte // what the round's entry write writes, reused
}

// journalPiece is one chunk of one shard in an entry.
type journalPiece struct {
	id   ShardID
	base uint64 // segment
	pos  int64  // byte position in the segment
	data []byte
}

// openJournal replays Dir/journal if it exists, fdatasyncs the segments it
// rewrote, and then either starts a new generation of a journal of size
// bytes or, with size 0, removes the file.
func (f *File) openJournal(size int64) error {
	path := filepath.Join(f.opts.Dir, journalName)
	fh, err := f.fs.OpenFile(path, os.O_RDWR, 0)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		fh = nil
	case err != nil:
		return fmt.Errorf("shardlog: open journal: %w", err)
	}
	gen := uint64(0)
	if fh != nil {
		g, err := f.replayJournal(fh)
		if err != nil {
			return errors.Join(err, fh.Close())
		}
		gen = g
	}
	if size == 0 {
		if fh == nil {
			return nil
		}
		if err := fh.Close(); err != nil {
			return fmt.Errorf("shardlog: close journal: %w", err)
		}
		if err := f.fs.Remove(path); err != nil {
			return fmt.Errorf("shardlog: remove journal: %w", err)
		}
		return f.fs.SyncDir(f.opts.Dir)
	}
	if fh == nil {
		if fh, err = f.fs.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644); err != nil {
			return fmt.Errorf("shardlog: create journal: %w", err)
		}
	}
	f.j = &journal{fh: fh, path: path, size: size, gen: gen}
	err = f.resetJournal()
	if err == nil {
		err = f.fs.SyncDir(f.opts.Dir)
	}
	if err != nil {
		f.j = nil
		return errors.Join(fmt.Errorf("shardlog: %w", err), fh.Close())
	}
	return nil
}

// replayJournal applies the current generation's entries and returns the
// generation. A header that is not valid means a crash tore the header
// while a checkpoint rewrote it, after every segment was synced: there is
// nothing to replay.
func (f *File) replayJournal(fh file) (uint64, error) {
	hdr := make([]byte, journalHeaderSize)
	if n, err := fh.ReadAt(hdr, 0); n < 20 && err != nil && !errors.Is(err, io.EOF) {
		return 0, fmt.Errorf("shardlog: read journal header: %w", err)
	}
	gen, ok := decodeJournalHeader(hdr)
	if !ok {
		// The next generation must not be one that entries still in the
		// file may carry, or a later replay could run on into them: start
		// from the clock, far above any count of checkpoints.
		f.log.Warn("journal header not valid; nothing to replay")
		return uint64(time.Now().UnixNano()), nil
	}
	open := map[string]file{}
	defer func() {
		for _, h := range open {
			if h != nil {
				_ = h.Close()
			}
		}
	}()
	st, err := fh.Stat()
	if err != nil {
		return 0, fmt.Errorf("shardlog: stat journal: %w", err)
	}
	var entries, pieces int
	var bytes int64
	var eh [entryHeaderSize]byte
	pos := int64(journalHeaderSize)
	for {
		if _, err := fh.ReadAt(eh[:], pos); err != nil {
			break // io.EOF: the file ends; a shorter file was never fully allocated
		}
		n := int64(binary.LittleEndian.Uint32(eh[0:4]))
		if binary.LittleEndian.Uint64(eh[8:16]) != gen || n < pieceHeaderSize || pos+entryHeaderSize+n > st.Size() {
			break
		}
		payload := make([]byte, n)
		if _, err := fh.ReadAt(payload, pos+entryHeaderSize); err != nil {
			break
		}
		if entryCRC(eh[:], payload) != binary.LittleEndian.Uint32(eh[4:8]) {
			break // the torn last entry of a crash
		}
		ps, ok := decodeJournalEntry(payload)
		if !ok {
			break
		}
		for _, p := range ps {
			if err := f.replayPiece(open, p); err != nil {
				return 0, err
			}
			pieces++
			bytes += int64(len(p.data))
		}
		entries++
		pos += entryHeaderSize + n
	}
	for name, h := range open {
		if h == nil {
			continue
		}
		if err := h.Datasync(); err != nil {
			return 0, fmt.Errorf("shardlog: sync %s after journal replay: %w", name, err)
		}
	}
	if entries > 0 {
		f.log.Info("replayed shard log journal", "entries", entries, "pieces", pieces, "bytes", bytes, "generation", gen)
	}
	return gen, nil
}

// replayPiece writes one piece back into its segment. open caches handles
// by segment path; a nil handle marks a segment that is gone.
func (f *File) replayPiece(open map[string]file, p journalPiece) error {
	dir := filepath.Join(f.opts.Dir, p.id.String())
	path := filepath.Join(dir, segmentName(p.base))
	h, seen := open[path]
	if !seen {
		if _, err := f.fs.Stat(filepath.Join(dir, stateFile)); err != nil {
			open[path] = nil // the shard was deleted
			return nil
		}
		var err error
		h, err = f.fs.OpenFile(path, os.O_RDWR, 0)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			open[path] = nil // removed by retention
			return nil
		case err != nil:
			return fmt.Errorf("shardlog: journal replay: open %s: %w", path, err)
		}
		open[path] = h
	}
	if h == nil {
		return nil
	}
	// Every byte before a piece is synced or in an earlier piece, so a
	// piece never starts past the segment's end: one that does is not
	// rheo's, and writing it would leave a hole of zeros.
	st, err := h.Stat()
	if err != nil {
		return fmt.Errorf("shardlog: journal replay: stat %s: %w", path, err)
	}
	if p.pos > st.Size() {
		return fmt.Errorf("shardlog: journal replay: entry writes %s at %d, past its end at %d", path, p.pos, st.Size())
	}
	if _, err := h.WriteAt(p.data, p.pos); err != nil {
		return fmt.Errorf("shardlog: journal replay: write %s at %d: %w", path, p.pos, err)
	}
	return nil
}

// journalGrowStep is how far ahead of the next entry the journal file is
// written with zeros: appending to a file makes every fdatasync commit a
// size change too, so the file grows in steps (once, in its first
// generation) rather than with each entry.
const journalGrowStep = 1 << 20

// resetJournal starts a new generation: header first, made durable, so no
// older entry can be replayed.
func (f *File) resetJournal() error {
	j := f.j
	st, err := j.fh.Stat()
	if err != nil {
		return fmt.Errorf("stat journal: %w", err)
	}
	j.end = max(st.Size(), journalHeaderSize)
	if j.end > j.size {
		if err := j.fh.Truncate(j.size); err != nil {
			return fmt.Errorf("shrink journal: %w", err)
		}
		j.end = j.size
	}
	j.gen++
	if _, err := j.fh.WriteAt(encodeJournalHeader(j.gen), 0); err != nil {
		return fmt.Errorf("write journal header: %w", err)
	}
	if err := f.datasync(j.fh); err != nil {
		return fmt.Errorf("sync journal: %w", err)
	}
	j.pos, j.used = journalHeaderSize, false
	return nil
}

// journalRound writes a round's chunks as one journal entry and fdatasyncs
// it. ok is false, with nothing written, when the entry does not fit; an
// error means the entry may not be durable.
func (f *File) journalRound(ws []*work) (ok bool, err error) {
	j := f.j
	n := 0
	for _, w := range ws {
		n += len(w.chunks)
	}
	// Sized up front, so the header slices taken below stay valid.
	j.hdr = slices.Grow(j.hdr[:0], entryHeaderSize+n*pieceHeaderSize)[:entryHeaderSize]
	eh := j.hdr
	bufs := append(j.bufs[:0], eh)
	var payload int64
	for _, w := range ws {
		for _, c := range w.chunks {
			if c.size == 0 {
				continue
			}
			at := len(j.hdr)
			j.hdr = binary.LittleEndian.AppendUint64(j.hdr, w.s.id.Stream)
			j.hdr = binary.LittleEndian.AppendUint32(j.hdr, w.s.id.Shard)
			j.hdr = binary.LittleEndian.AppendUint32(j.hdr, uint32(c.size))
			j.hdr = binary.LittleEndian.AppendUint64(j.hdr, c.seg.base)
			j.hdr = binary.LittleEndian.AppendUint64(j.hdr, uint64(c.pos))
			bufs = append(bufs, j.hdr[at:])
			bufs = append(bufs, c.bufs...)
			payload += pieceHeaderSize + c.size
		}
	}
	defer func() { clear(bufs); j.bufs = bufs[:0] }() // reused, not pinning pooled buffers
	need := j.pos + entryHeaderSize + payload
	if payload == 0 || need > j.size {
		return false, nil // replay reads an empty entry as the end
	}
	if need > j.end {
		to := min(j.size, max(need, j.end+journalGrowStep))
		if int64(len(f.zeros)) < to-j.end {
			f.zeros = make([]byte, to-j.end)
		}
		j.used = true
		if _, err := j.fh.WriteAt(f.zeros[:to-j.end], j.end); err != nil {
			return true, noSpace(fmt.Errorf("grow journal: %w", err))
		}
		j.end = to
	}
	binary.LittleEndian.PutUint32(eh[0:4], uint32(payload))
	binary.LittleEndian.PutUint64(eh[8:16], j.gen)
	crc := crc32.Update(crc32.Update(0, castagnoli, eh[0:4]), castagnoli, eh[8:16])
	for _, b := range bufs[1:] {
		crc = crc32.Update(crc, castagnoli, b)
	}
	binary.LittleEndian.PutUint32(eh[4:8], crc)
	j.used = true // from here on the file may hold a part of this entry
	if err := j.fh.WriteVecAt(bufs, j.pos); err != nil {
		return true, noSpace(fmt.Errorf("write journal at %d: %w", j.pos, err))
	}
	if err := f.datasync(j.fh); err != nil {
		return true, fmt.Errorf("sync journal: %w", err)
	}
	j.pos += entryHeaderSize + payload
	return true, nil
}

// nearlyFull reports whether the next round could find no room, so this
// one should be a checkpoint.
func (j *journal) nearlyFull() bool {
	return j.size-j.pos < 2*journalMaxRound
}

func entryCRC(eh, payload []byte) uint32 {
	crc := crc32.Update(crc32.Update(0, castagnoli, eh[0:4]), castagnoli, eh[8:16])
	return crc32.Update(crc, castagnoli, payload)
}

func encodeJournalHeader(gen uint64) []byte {
	b := make([]byte, journalHeaderSize)
	copy(b, journalMagic)
	binary.LittleEndian.PutUint64(b[8:16], gen)
	binary.LittleEndian.PutUint32(b[16:20], crc32.Checksum(b[0:16], castagnoli))
	return b
}

func decodeJournalHeader(b []byte) (gen uint64, ok bool) {
	if len(b) < 20 || string(b[0:8]) != journalMagic ||
		crc32.Checksum(b[0:16], castagnoli) != binary.LittleEndian.Uint32(b[16:20]) {
		return 0, false
	}
	return binary.LittleEndian.Uint64(b[8:16]), true
}

// decodeJournalEntry splits an entry's payload into pieces; ok is false if
// the pieces do not fill it exactly.
func decodeJournalEntry(b []byte) (ps []journalPiece, ok bool) {
	for len(b) > 0 {
		if len(b) < pieceHeaderSize {
			return nil, false
		}
		p := journalPiece{
			id: ShardID{
				Stream: binary.LittleEndian.Uint64(b[0:8]),
				Shard:  binary.LittleEndian.Uint32(b[8:12]),
			},
			base: binary.LittleEndian.Uint64(b[16:24]),
			pos:  int64(binary.LittleEndian.Uint64(b[24:32])),
		}
		n := int64(binary.LittleEndian.Uint32(b[12:16]))
		if n > int64(len(b)-pieceHeaderSize) || p.pos < 0 || p.pos > maxSegmentSize {
			return nil, false
		}
		p.data = b[pieceHeaderSize : pieceHeaderSize+n]
		ps = append(ps, p)
		b = b[pieceHeaderSize+n:]
	}
	return ps, true
}
