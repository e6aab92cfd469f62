package iteration

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/rheo-dev/rheo/internal/meta"
	"github.com/rheo-dev/rheo/internal/seqnum"
	"github.com/rheo-dev/rheo/internal/shardlog"
)

// Namespace is the meta namespace holding the boundaries.
const Namespace = "iterations"

// Errors of Window. They are wrapped with the logical name, iteration and
// stream, in words the SQL layer can show to users as they are.
var (
	// ErrSkipped: iteration N was asked before iteration N-1 ever ran.
	ErrSkipped = errors.New("iteration skipped")
	// ErrExpired: some records of the iteration's window are no longer
	// readable, so it cannot be (re)read exactly; use a new logical name.
	ErrExpired = errors.New("iteration expired")
	// ErrInvalid: a negative iteration number or an empty logical name.
	ErrInvalid = errors.New("invalid iteration")
)

// Range is the half-open offset window [From, To) of one shard.
type Range struct {
	Shard uint32 `json:"shard"`
	From  uint64 `json:"from"`
	To    uint64 `json:"to"`
}

// Boundary is one stored window of one shard, as listed for users (the
// shape of the EMR connector's checkpoint table). Start and end are the
// sequence numbers of the first and last record of the window; both are
// empty when the window holds no record.
type Boundary struct {
	LogicalName         string
	Iteration           int64
	Stream              string
	ShardID             string
	StartSequenceNumber string
	EndSequenceNumber   string
	CreatedAt           time.Time
}

// record is the stored value: one window of one stream.
type record struct {
	Name      string    `json:"name"`
	Iteration int64     `json:"iteration"`
	Stream    string    `json:"stream"`
	StreamUID uint64    `json:"streamUid"`
	CreatedAt time.Time `json:"createdAt"`
	Ranges    []Range   `json:"ranges"`
	// OlderDropped marks the oldest kept window of a (name, stream) once
	// prune has dropped older ones: a re-run of those is ErrExpired, not
	// ErrSkipped.
	OlderDropped bool `json:"olderDropped,omitempty"`
}

// Store hands out iteration windows and keeps them durable in meta. It is
// safe for concurrent use.
type Store struct {
	meta *meta.Store
	log  shardlog.Log
	now  func() time.Time

	mu    sync.Mutex           // guards locks
	locks map[string]*nameLock // per logical name, while someone uses it
}

// nameLock serialises first runs and deletes of one logical name. It is a
// channel so waiting respects the caller's context.
type nameLock struct {
	ch   chan struct{}
	refs int
}

// New returns a Store over m and lg. now stamps CreatedAt; nil means
// time.Now. Retention is judged by the log's own clock.
func New(m *meta.Store, lg shardlog.Log, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{meta: m, log: lg, now: now, locks: make(map[string]*nameLock)}
}

// Window returns the offset ranges of iteration n of logical name name on
// stream st, one per shard, in shard order. The first call for (name, n,
// st.UID) fixes and stores the window; later calls return it unchanged, or
// ErrExpired once retention has removed part of it.
func (s *Store) Window(ctx context.Context, name string, n int64, st *meta.Stream) ([]Range, error) {
	if err := checkArgs(name, n); err != nil {
		return nil, err
	}
	if st == nil {
		return nil, fmt.Errorf("%w: no stream given", ErrInvalid)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// Fast path: a window that exists needs no lock.
	if rec, ok, err := s.get(name, st.UID, n); err != nil {
		return nil, err
	} else if ok {
		return s.check(rec)
	}

	unlock, err := s.lock(ctx, name)
	if err != nil {
		return nil, err
	}
	defer unlock()
	rec, ok, err := s.get(name, st.UID, n)
	if err != nil {
		return nil, err
	}
	if ok { // another session ran it first
		return s.check(rec)
	}
	rec, err = s.create(name, n, st)
	if err != nil {
		return nil, err
	}
	if err := s.meta.Put(Namespace, key(name, st.UID, n), rec); err != nil {
		return nil, fmt.Errorf("iteration: store iteration %d of %q on stream %s: %w", n, name, st.Name, err)
	}
	// Best effort: the new window is stored and good, and a window prune
	// fails to drop now goes at a later first run.
	_ = s.prune(name, st)
	return clone(rec.Ranges), nil
}

// errStop ends a meta scan early.
var errStop = errors.New("stop")

// prune drops the windows of (name, st) created longer ago than the
// stream's retention period, which no longer cover readable records, so a
// job that runs every few seconds does not gather windows forever. The
// newest window stays whatever its age (the next iteration starts at its
// end), and the oldest kept one is marked OlderDropped in the same
// transaction, so a re-run of a dropped iteration is ErrExpired. Windows
// are visited oldest first and the scan stops at the first one kept, so
// each window is decoded about once. The name lock is held.
func (s *Store) prune(name string, st *meta.Stream) error {
	if st.RetentionHours <= 0 {
		return nil
	}
	cutoff := s.now().Add(-time.Duration(st.RetentionHours) * time.Hour)
	var drop []string
	var keep *record
	var keepKey, prevKey string
	var prev *record
	err := s.meta.Scan(Namespace, fmt.Sprintf("%s%016x/", namePrefix(name), st.UID), func(k string, v []byte) error {
		r, err := decode(k, v)
		if err != nil {
			return err
		}
		if prev != nil {
			// prev is not the newest (r follows it): drop it if it is old.
			if !prev.CreatedAt.Before(cutoff) {
				keep, keepKey = prev, prevKey
				return errStop
			}
			drop = append(drop, prevKey)
		}
		prev, prevKey = r, k
		return nil
	})
	if err != nil && !errors.Is(err, errStop) {
		return fmt.Errorf("iteration: prune %q on stream %s: %w", name, st.Name, err)
	}
	if len(drop) == 0 {
		return nil
	}
	if keep == nil { // every window but the newest was old
		keep, keepKey = prev, prevKey
	}
	keep.OlderDropped = true
	if err := s.meta.Batch(Namespace, map[string]any{keepKey: keep}, drop); err != nil {
		return fmt.Errorf("iteration: prune %q on stream %s: %w", name, st.Name, err)
	}
	return nil
}

// create computes a new window. The name lock is held.
func (s *Store) create(name string, n int64, st *meta.Stream) (*record, error) {
	// Keys alone say which iterations exist (a job's name gathers one per
	// run, so decoding them all would make every run slower than the
	// last); only the previous window of this stream is read.
	prevN := int64(-1) // this stream's latest iteration before n
	highest := int64(-1)
	seen := false // a window of this stream was met (the first is its oldest)
	err := s.meta.Scan(Namespace, namePrefix(name), func(k string, v []byte) error {
		uid, it, ok := parseKeyTail(k)
		if !ok {
			return fmt.Errorf("malformed key %q", k)
		}
		highest = max(highest, it)
		if uid != st.UID {
			return nil
		}
		if !seen {
			seen = true
			if it > n {
				return belowOldest(name, n, st, k, v)
			}
		}
		if it > n {
			return fmt.Errorf("%w: iteration %d of logical name %q never ran on stream %s, and iteration %d did; an iteration cannot be created after a later one",
				ErrSkipped, n, name, st.Name, it)
		}
		if it < n {
			prevN = max(prevN, it)
		}
		return nil
	})
	if errors.Is(err, ErrSkipped) || errors.Is(err, ErrExpired) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("iteration: read iterations of %q: %w", name, err)
	}
	var prev *record
	if prevN >= 0 {
		r, ok, err := s.get(name, st.UID, prevN)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("iteration: iteration %d of %q on stream %s vanished while in use", prevN, name, st.Name)
		}
		prev = r
	}
	if n > highest+1 {
		if highest < 0 {
			return nil, fmt.Errorf("%w: logical name %q has no iterations yet, so iteration %d cannot run; start at iteration 0", ErrSkipped, name, n)
		}
		return nil, fmt.Errorf("%w: iteration %d of logical name %q cannot run before iteration %d; the last one that ran is %d", ErrSkipped, n, name, highest+1, highest)
	}

	start := map[uint32]uint64{}
	if prev != nil {
		for _, r := range prev.Ranges {
			start[r.Shard] = r.To
		}
	}
	rec := &record{Name: name, Iteration: n, Stream: st.Name, StreamUID: st.UID, CreatedAt: s.now().UTC()}
	for _, sh := range st.Shards {
		from, seen := start[sh.Index]
		info, err := s.log.Info(shardlog.ShardID{Stream: st.UID, Shard: sh.Index})
		if errors.Is(err, shardlog.ErrShardNotFound) {
			r, err := missingShard(name, n, st.Name, sh, prev != nil, seen, from)
			if err != nil {
				return nil, err
			}
			rec.Ranges = append(rec.Ranges, r)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("iteration: iteration %d of %q: shard %s of stream %s: %w", n, name, shardName(sh.Index), st.Name, err)
		}
		switch {
		case prev == nil:
			from = info.TrimHorizon
		case !seen:
			from = 0 // born after the previous iteration: all of it is new
		}
		to := info.Next
		if sh.Closed && to > sh.End {
			to = sh.End
		}
		if from > to {
			return nil, fmt.Errorf("iteration: iteration %d of %q: shard %s of stream %s ends at offset %d, before the previous iteration's end %d",
				n, name, shardName(sh.Index), st.Name, to, from)
		}
		if from < to && from < info.TrimHorizon {
			return nil, expired(name, n, st.Name, sh.Index, "records after the previous iteration were trimmed by retention")
		}
		rec.Ranges = append(rec.Ranges, Range{Shard: sh.Index, From: from, To: to})
	}
	return rec, nil
}

// belowOldest explains why iteration n, older than the stream's oldest
// kept window (key k, value v), cannot be created: prune dropped it
// (ErrExpired), or it never ran on this stream (ErrSkipped).
func belowOldest(name string, n int64, st *meta.Stream, k string, v []byte) error {
	r, err := decode(k, v)
	if err != nil {
		return err
	}
	if r.OlderDropped {
		return fmt.Errorf("%w: iteration %d of logical name %q on stream %s is older than the stream's retention period and its window is no longer kept (the oldest kept is iteration %d)",
			ErrExpired, n, name, st.Name, r.Iteration)
	}
	return fmt.Errorf("%w: iteration %d of logical name %q never ran on stream %s, and iteration %d did; an iteration cannot be created after a later one",
		ErrSkipped, n, name, st.Name, r.Iteration)
}

// missingShard gives the range of a shard that meta lists and the log does
// not have. That is normal for a closed shard whose records all expired
// (the Kinesis janitor deletes its files before its metadata) and, for a
// moment, for the shards of a stream being created (meta first, log
// second). The range is empty; it is an error only when records the
// iteration should cover are known to be lost: a closed shard not read to
// its end, or an open shard that was read before.
func missingShard(name string, n int64, stream string, sh meta.Shard, hasPrev, seen bool, from uint64) (Range, error) {
	end := uint64(0)
	if sh.Closed {
		end = sh.End
	}
	if !hasPrev { // reading from the trim horizon: nothing is readable
		return Range{Shard: sh.Index, From: end, To: end}, nil
	}
	if !seen {
		from = 0
	}
	lost := from > 0
	if sh.Closed {
		lost = from < end
	}
	if lost {
		return Range{}, expired(name, n, stream, sh.Index, "the shard no longer exists")
	}
	return Range{Shard: sh.Index, From: max(from, end), To: max(from, end)}, nil
}

// check returns a stored window if all its records are still readable.
func (s *Store) check(rec *record) ([]Range, error) {
	for _, r := range rec.Ranges {
		if r.From >= r.To {
			continue
		}
		info, err := s.log.Info(shardlog.ShardID{Stream: rec.StreamUID, Shard: r.Shard})
		if errors.Is(err, shardlog.ErrShardNotFound) {
			return nil, expired(rec.Name, rec.Iteration, rec.Stream, r.Shard, "the shard no longer exists")
		}
		if err != nil {
			return nil, fmt.Errorf("iteration: iteration %d of %q: shard %s of stream %s: %w", rec.Iteration, rec.Name, shardName(r.Shard), rec.Stream, err)
		}
		if info.TrimHorizon > r.From {
			return nil, expired(rec.Name, rec.Iteration, rec.Stream, r.Shard, "its records were trimmed by retention")
		}
	}
	return clone(rec.Ranges), nil
}

func expired(name string, n int64, stream string, shard uint32, why string) error {
	return fmt.Errorf("%w: iteration %d of logical name %q on stream %s cannot be read in full (shard %s: %s); start a new logical name",
		ErrExpired, n, name, stream, shardName(shard), why)
}

// List returns every stored boundary, one per (logical name, iteration,
// stream, shard), ordered by name, stream UID, iteration and shard.
func (s *Store) List(ctx context.Context) ([]Boundary, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var recs []*record
	err := s.meta.Scan(Namespace, "", func(k string, v []byte) error {
		r, err := decode(k, v)
		if err != nil {
			return err
		}
		recs = append(recs, r)
		return ctx.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("iteration: list: %w", err)
	}
	sort.SliceStable(recs, func(i, j int) bool {
		a, b := recs[i], recs[j]
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		if a.StreamUID != b.StreamUID {
			return a.StreamUID < b.StreamUID
		}
		return a.Iteration < b.Iteration
	})
	var out []Boundary
	for _, r := range recs {
		for _, rg := range r.Ranges {
			b := Boundary{LogicalName: r.Name, Iteration: r.Iteration, Stream: r.Stream, ShardID: shardName(rg.Shard), CreatedAt: r.CreatedAt}
			if rg.From < rg.To {
				b.StartSequenceNumber = seqnum.Encode(rg.Shard, rg.From)
				b.EndSequenceNumber = seqnum.Encode(rg.Shard, rg.To-1)
			}
			out = append(out, b)
		}
	}
	return out, nil
}

// Window is one stored window: iteration Iteration of logical name Name
// on stream Stream. Ranges are in shard order; To is one past the last
// record the iteration took (From == To: none).
type Window struct {
	Name      string
	Stream    string
	StreamUID uint64
	Iteration int64
	CreatedAt time.Time
	Ranges    []Range
}

// Latest returns the newest window of every (logical name, stream), in
// key order. Windows of one stream follow each other, so the newest one's
// To is where the next iteration starts on every shard. Only those windows
// are decoded: a job's name gathers one window per run, and the console
// asks for this every few seconds.
func (s *Store) Latest(ctx context.Context) ([]Window, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []Window
	var curPrefix, curKey string
	var curVal []byte
	flush := func() error {
		if curKey == "" {
			return nil
		}
		r, err := decode(curKey, curVal)
		if err != nil {
			return err
		}
		out = append(out, Window{Name: r.Name, Stream: r.Stream, StreamUID: r.StreamUID, Iteration: r.Iteration, CreatedAt: r.CreatedAt, Ranges: r.Ranges})
		return nil
	}
	err := s.meta.Scan(Namespace, "", func(k string, v []byte) error {
		if len(k) < 21 {
			return fmt.Errorf("malformed key %q", k)
		}
		if p := k[:len(k)-20]; p != curPrefix {
			if err := flush(); err != nil {
				return err
			}
			curPrefix = p
		}
		curKey, curVal = k, append(curVal[:0], v...) // v is valid only in the scan
		return ctx.Err()
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return nil, fmt.Errorf("iteration: latest windows: %w", err)
	}
	return out, nil
}

// Delete forgets logical name name: all its boundaries on all streams go in
// one transaction. Deleting an unknown name is not an error.
func (s *Store) Delete(ctx context.Context, name string) error {
	if err := checkArgs(name, 0); err != nil {
		return err
	}
	unlock, err := s.lock(ctx, name)
	if err != nil {
		return err
	}
	defer unlock()
	if _, err := s.meta.DeletePrefix(Namespace, namePrefix(name)); err != nil {
		return fmt.Errorf("iteration: delete logical name %q: %w", name, err)
	}
	return nil
}

// DeleteStream drops every boundary of the stream with UID uid, for the
// Kinesis janitor when it finishes deleting a stream. Keys start with the
// logical name, so this is one delete per key, not one transaction; a crash
// half way leaves boundaries of a stream no one can read again, harmless.
func (s *Store) DeleteStream(ctx context.Context, uid uint64) error {
	var keys []string
	err := s.meta.Scan(Namespace, "", func(k string, v []byte) error {
		if u, _, ok := parseKeyTail(k); ok && u == uid {
			keys = append(keys, k)
		}
		return ctx.Err()
	})
	if err != nil {
		return fmt.Errorf("iteration: delete boundaries of stream %016x: %w", uid, err)
	}
	for _, k := range keys {
		if err := s.meta.Delete(Namespace, k); err != nil && !errors.Is(err, meta.ErrNotFound) {
			return fmt.Errorf("iteration: delete boundaries of stream %016x: %w", uid, err)
		}
	}
	return nil
}

// lock takes the per-name lock, or gives up when ctx ends.
func (s *Store) lock(ctx context.Context, name string) (func(), error) {
	s.mu.Lock()
	l := s.locks[name]
	if l == nil {
		l = &nameLock{ch: make(chan struct{}, 1)}
		s.locks[name] = l
	}
	l.refs++
	s.mu.Unlock()
	release := func() {
		s.mu.Lock()
		if l.refs--; l.refs == 0 {
			delete(s.locks, name)
		}
		s.mu.Unlock()
	}
	select {
	case l.ch <- struct{}{}:
		return func() { <-l.ch; release() }, nil
	case <-ctx.Done():
		release()
		return nil, ctx.Err()
	}
}

func (s *Store) get(name string, uid uint64, n int64) (*record, bool, error) {
	var rec record
	ok, err := s.meta.Get(Namespace, key(name, uid, n), &rec)
	if err != nil {
		return nil, false, fmt.Errorf("iteration: read iteration %d of %q: %w", n, name, err)
	}
	return &rec, ok, nil
}

func decode(k string, v []byte) (*record, error) {
	var r record
	if err := json.Unmarshal(v, &r); err != nil {
		return nil, fmt.Errorf("iteration: decode %s/%s: %w", Namespace, k, err)
	}
	return &r, nil
}

func checkArgs(name string, n int64) error {
	if name == "" {
		return fmt.Errorf("%w: the logical name is empty", ErrInvalid)
	}
	if n < 0 {
		return fmt.Errorf("%w: iteration number %d of logical name %q is negative", ErrInvalid, n, name)
	}
	return nil
}

// Keys are "<escaped name>/<uid:016x>/<iteration:020d>": name first, so a
// logical name goes with one DeletePrefix; the escaping removes '/', so no
// name's prefix is another's.
func namePrefix(name string) string { return url.PathEscape(name) + "/" }

func key(name string, uid uint64, n int64) string {
	return fmt.Sprintf("%s%016x/%020d", namePrefix(name), uid, n)
}

// parseKeyTail reads the stream UID and iteration at the end of a key
// (no caller needs the name back, so it is not unescaped).
func parseKeyTail(k string) (uid uint64, n int64, ok bool) {
	const tail = 1 + 16 + 1 + 20 // "/<uid:016x>/<iteration:020d>"
	if len(k) < tail+1 || k[len(k)-21] != '/' || k[len(k)-tail] != '/' {
		return 0, 0, false
	}
	uid, err := strconv.ParseUint(k[len(k)-tail+1:len(k)-21], 16, 64)
	if err != nil {
		return 0, 0, false
	}
	n, err = strconv.ParseInt(k[len(k)-20:], 10, 64)
	if err != nil || n < 0 {
		return 0, 0, false
	}
	return uid, n, true
}

// shardName renders a shard index as Kinesis names shards.
func shardName(i uint32) string { return fmt.Sprintf("shardId-%012d", i) }

func clone(r []Range) []Range { return append([]Range(nil), r...) }
