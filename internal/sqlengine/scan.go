package sqlengine

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/rheo-dev/rheo/internal/iteration"
	"github.com/rheo-dev/rheo/internal/kpl"
	"github.com/rheo-dev/rheo/internal/meta"
	"github.com/rheo-dev/rheo/internal/seqnum"
	"github.com/rheo-dev/rheo/internal/shardlog"
)

// Columns of rheo_scan, the table function under every stream table view.
// _sub_sequence comes first: DuckDB projects the first column when a query
// needs none (count(*)), and an INTEGER is set without a cgo call.
const (
	colSubSeq = iota
	colShardID
	colSeq
	colPK
	colArrival
	colRaw
	colBytes
	numScanCols
)

// unitSize is the most records one work unit covers, so even a one-shard
// stream is scanned by all DuckDB threads.
const unitSize = 32 << 10

// readBatch bounds one shardlog.Read.
const (
	readRecords = 2048
	readBytes   = 4 << 20
)

// planKey is the context key under which Session.Query hands a queryPlan
// to rheo_scan's bind callback (duckdb-go passes the query's context).
type planKey struct{}

// queryPlan carries per-query state into rheo_scan: the session's
// checkpoint settings, pushdown bounds per table, and the first typed error
// of a bind (DuckDB only keeps the message).
type queryPlan struct {
	ckpt    *checkpoint       // nil: ad hoc
	ckptErr error             // incomplete checkpoint settings: fail if a stream is read
	bounds  map[string]bounds // by table name; absent: unbounded
	// describe: bind only for column types, never touch iterations.
	describe bool

	mu      sync.Mutex
	windows map[string][]iteration.Range // by stream name
	err     error
}

func (p *queryPlan) setErr(err error) {
	p.mu.Lock()
	if p.err == nil {
		p.err = err
	}
	p.mu.Unlock()
}

// checkpoint is a session's EMR checkpoint settings at query time.
type checkpoint struct {
	name string
	n    int64
}

// bounds are constant limits on _arrival_time (ms since the epoch) and
// _sequence_number found in a query's WHERE clause.
type bounds struct {
	hasMinTS, hasMaxTS   bool
	minTS, maxTS         int64
	hasMinSeq, hasMaxSeq bool
	minSeq, maxSeq       string
	// strict: the bound itself is excluded (> or <).
	minSeqStrict, maxSeqStrict bool
}

// unit is a contiguous offset window of one shard, scanned by one thread.
type unit struct {
	id       shardlog.ShardID
	name     string // "shardId-000000000001"
	shard    uint32
	from, to uint64
}

// scanSource is one bound reference to rheo_scan.
type scanSource struct {
	e       *Engine
	ctx     context.Context
	units   []unit
	next    atomic.Int64
	total   uint64
	threads int
	csv     *csvSpec // rheo_csv_scan: parse CSV into typed columns
}

type scanLocal struct {
	u     *unit
	off   uint64
	cur   shardlog.Batch // the batch batch points into; released on refill
	batch []shardlog.Record
	bi    int
	sub   []kpl.Record // user records of an aggregated record in progress
	si    int
	seq   []byte
	raw   []byte
	text  []byte // scratch for a CSV field: valid UTF-8 copy, or decoded base64
	proj  []bool
	vecs  []vecPtrs
	raws  bool // vecs are valid for this chunk
	flds  []int
	need  int // CSV fields the projected columns need
}

func scanColumns() []duckdb.ColumnInfo {
	vc, _ := duckdb.NewTypeInfo(duckdb.TYPE_VARCHAR)
	ts, _ := duckdb.NewTypeInfo(duckdb.TYPE_TIMESTAMP_TZ)
	in, _ := duckdb.NewTypeInfo(duckdb.TYPE_INTEGER)
	bl, _ := duckdb.NewTypeInfo(duckdb.TYPE_BLOB)
	return []duckdb.ColumnInfo{
		{Name: "_sub_sequence", T: in},
		{Name: "_shard_id", T: vc},
		{Name: "_sequence_number", T: vc},
		{Name: "_partition_key", T: vc},
		{Name: "_arrival_time", T: ts},
		{Name: "_raw", T: vc},
		{Name: "_bytes", T: bl},
	}
}

func (s *scanSource) ColumnInfos() []duckdb.ColumnInfo {
	if s.csv != nil {
		return s.csv.infos
	}
	return scanColumns()
}

func (s *scanSource) numCols() int {
	if s.csv != nil {
		return len(s.csv.infos)
	}
	return numScanCols
}

func (s *scanSource) Cardinality() *duckdb.CardinalityInfo {
	return &duckdb.CardinalityInfo{Cardinality: uint(s.total), Exact: false}
}

func (s *scanSource) Init() duckdb.ParallelTableSourceInfo {
	t := min(s.threads, len(s.units))
	return duckdb.ParallelTableSourceInfo{MaxThreads: max(t, 1)}
}

func (s *scanSource) NewLocalState() any { return &scanLocal{} }

// projected reads which output columns DuckDB asked for. duckdb-go keeps
// the mapping unexported; reflection reads it without unsafe, and
// without it every column would be computed for every row.
func projected(chunk duckdb.DataChunk, out []bool) {
	v := reflect.ValueOf(chunk).FieldByName("projection")
	if !v.IsValid() || v.Len() != len(out) {
		for i := range out {
			out[i] = true
		}
		return
	}
	for i := range out {
		out[i] = v.Index(i).Int() >= 0
	}
}

func (s *scanSource) FillChunk(ls any, chunk duckdb.DataChunk) error {
	l := ls.(*scanLocal)
	if err := s.ctx.Err(); err != nil {
		return err
	}
	n := s.numCols()
	if len(l.proj) != n {
		l.proj, l.vecs = make([]bool, n), make([]vecPtrs, n)
	}
	projected(chunk, l.proj)
	proj := l.proj
	if s.csv != nil {
		l.need = 0
		for i := range s.csv.cols {
			if tc, xc := s.csv.typed[i], s.csv.text[i]; (tc >= 0 && proj[tc]) || (xc >= 0 && proj[xc]) {
				l.need = i + 1
			}
		}
		// Without the vectors' pointers, fall back to SetChunkValue.
		l.raws = l.need > 0 && rawVectors(chunk, l.vecs)
	}
	capacity := duckdb.GetDataChunkCapacity()
	row := 0
	for row < capacity {
		if l.si < len(l.sub) {
			r := &l.batch[l.bi-1]
			k := &l.sub[l.si]
			if err := s.emit(l, chunk, proj, row, r, []byte(k.PartitionKey), k.Data, int32(l.si)); err != nil {
				return err
			}
			l.si++
			row++
			continue
		}
		if l.bi >= len(l.batch) {
			ok, err := s.refill(l)
			if err != nil {
				return err
			}
			if !ok {
				break
			}
			continue
		}
		r := &l.batch[l.bi]
		l.bi++
		if kpl.IsAggregated(r.Data) {
			// An aggregate holding no user records yields no rows, as in
			// the KCL, delivery and rheo tail.
			if recs, err := kpl.Deaggregate(r.Data); err == nil {
				l.sub, l.si = recs, 0
				continue
			}
		}
		l.sub, l.si = nil, 0
		if err := s.emit(l, chunk, proj, row, r, r.PartitionKey, r.Data, 0); err != nil {
			return err
		}
		row++
	}
	return chunk.SetSize(row)
}

// refill reads the next batch of the current unit, moving to the next unit
// when one is done. It reports false when every unit is done.
func (s *scanSource) refill(l *scanLocal) (bool, error) {
	l.sub, l.si = nil, 0
	// Every record of the previous batch is in DuckDB's vectors by now
	// (emit copies), so its read buffers can go back to the shard log.
	l.cur.Release()
	l.batch, l.bi = nil, 0
	for {
		if l.u == nil || l.off >= l.u.to {
			i := s.next.Add(1) - 1
			if i >= int64(len(s.units)) {
				return false, nil
			}
			l.u = &s.units[i]
			l.off = l.u.from
		}
		n := int(min(uint64(readRecords), l.u.to-l.off))
		b, err := s.e.log.Read(s.ctx, l.u.id, l.off, n, readBytes)
		if err != nil {
			return false, fmt.Errorf("read %s: %w", l.u.name, err)
		}
		l.cur.Release()
		l.cur = b
		s.e.recordsRead.Add(int64(len(b.Records)))
		recs := b.Records
		for len(recs) > 0 && recs[len(recs)-1].Offset >= l.u.to {
			recs = recs[:len(recs)-1]
		}
		if len(b.Records) == 0 || b.Next <= l.off {
			l.off = l.u.to // nothing more readable in this unit
		} else {
			l.off = b.Next
		}
		if len(recs) > 0 {
			l.batch, l.bi = recs, 0
			return true, nil
		}
	}
}

func (s *scanSource) emit(l *scanLocal, chunk duckdb.DataChunk, proj []bool, row int, r *shardlog.Record, pk, data []byte, sub int32) error {
	var err error
	set := func(col int, v any) {
		if err == nil {
			err = chunk.SetValue(col, row, v)
		}
	}
	if proj[colShardID] {
		set(colShardID, l.u.name)
	}
	if proj[colSeq] {
		l.seq = seqnum.AppendEncode(l.seq[:0], l.u.shard, r.Offset)
		err = duckdb.SetChunkValue(chunk, colSeq, row, l.seq)
	}
	if proj[colPK] {
		if err == nil {
			err = duckdb.SetChunkValue(chunk, colPK, row, validText(&l.raw, pk))
		}
	}
	if proj[colArrival] {
		set(colArrival, time.UnixMilli(r.Timestamp).UTC())
	}
	if proj[colSubSeq] {
		if err == nil {
			err = duckdb.SetChunkValue(chunk, colSubSeq, row, sub)
		}
	}
	if proj[colRaw] {
		if err == nil {
			err = duckdb.SetChunkValue(chunk, colRaw, row, validText(&l.raw, data))
		}
	}
	if proj[colBytes] {
		if err == nil {
			err = duckdb.SetChunkValue(chunk, colBytes, row, data)
		}
	}
	if err == nil && l.need > 0 {
		w := cellWriter{chunk: chunk, row: row}
		if l.raws {
			w.vecs = l.vecs
		}
		err = s.csv.emit(&w, proj, l.need, &l.flds, data, utf8.Valid(data), &l.text)
	}
	return err
}

// validText returns b if it is valid UTF-8 (DuckDB's VARCHAR requires it),
// else a copy in buf with invalid bytes replaced by U+FFFD.
func validText(buf *[]byte, b []byte) []byte {
	if utf8.Valid(b) {
		return b
	}
	*buf = []byte(strings.ToValidUTF8(string(b), "\uFFFD"))
	return *buf
}

// shardName is the Kinesis shard id of shard index i.
func shardName(i uint32) string { return fmt.Sprintf("shardId-%012d", i) }

// bindScan builds the scan of table name for one query reference.
func (e *Engine) bindScan(ctx context.Context, name string, csv *csvSpec) (*scanSource, error) {
	src := &scanSource{e: e, ctx: ctx, threads: e.threads, csv: csv}
	plan, _ := ctx.Value(planKey{}).(*queryPlan)
	if plan == nil || plan.describe {
		return src, nil
	}
	err := e.planScan(ctx, plan, name, src)
	if err != nil {
		plan.setErr(err)
		return nil, err
	}
	return src, nil
}

func (e *Engine) planScan(ctx context.Context, plan *queryPlan, name string, src *scanSource) error {
	if plan.ckptErr != nil {
		return plan.ckptErr
	}
	st, ok := e.table(name)
	if !ok {
		return newErr(CodeUndefinedTable, "stream table %q does not exist", name)
	}
	stream, ok := e.meta.Stream(st.Stream)
	if !ok || stream.Status == meta.StatusDeleting {
		return newErr(CodeUndefinedTable, "stream %q of table %q does not exist (create it, or DROP TABLE %s)", st.Stream, st.Name, st.Name)
	}
	type rng struct {
		shard    uint32
		from, to uint64
	}
	var ranges []rng
	if plan.ckpt != nil {
		plan.mu.Lock()
		w, ok := plan.windows[stream.Name]
		plan.mu.Unlock()
		if !ok {
			var err error
			w, err = e.iters.Window(ctx, plan.ckpt.name, plan.ckpt.n, stream)
			if err != nil {
				return err
			}
			plan.mu.Lock()
			plan.windows[stream.Name] = w
			plan.mu.Unlock()
		}
		for _, r := range w {
			ranges = append(ranges, rng{r.Shard, r.From, r.To})
		}
	} else {
		for _, sh := range stream.Shards {
			id := shardlog.ShardID{Stream: stream.UID, Shard: sh.Index}
			info, err := e.log.Info(id)
			if err != nil {
				if isNotFound(err) {
					continue
				}
				return fmt.Errorf("shard %s of stream %s: %w", shardName(sh.Index), stream.Name, err)
			}
			ranges = append(ranges, rng{sh.Index, info.TrimHorizon, info.Next})
		}
	}
	b, bounded := plan.bounds[name]
	for _, r := range ranges {
		id := shardlog.ShardID{Stream: stream.UID, Shard: r.shard}
		from, to := r.from, r.to
		if bounded {
			var err error
			if from, to, err = e.narrow(id, r.shard, from, to, b); err != nil {
				return err
			}
		}
		for o := from; o < to; o += unitSize {
			src.units = append(src.units, unit{id: id, name: shardName(r.shard), shard: r.shard, from: o, to: min(o+unitSize, to)})
		}
		if to > from {
			src.total += to - from
		}
	}
	return nil
}

// narrow applies pushdown bounds to the offset window [from, to) of one
// shard: time bounds through the log's time index, sequence number bounds
// by binary search over the (monotonic) encoding.
func (e *Engine) narrow(id shardlog.ShardID, shard uint32, from, to uint64, b bounds) (uint64, uint64, error) {
	if b.hasMinTS {
		o, err := e.log.Seek(id, shardlog.Seek{Kind: shardlog.SeekAtTimestamp, Timestamp: b.minTS})
		if err != nil {
			return 0, 0, fmt.Errorf("seek %s: %w", shardName(shard), err)
		}
		from = max(from, o)
	}
	if b.hasMaxTS {
		o, err := e.log.Seek(id, shardlog.Seek{Kind: shardlog.SeekAtTimestamp, Timestamp: b.maxTS + 1})
		if err != nil {
			return 0, 0, fmt.Errorf("seek %s: %w", shardName(shard), err)
		}
		to = min(to, o)
	}
	if b.hasMinSeq {
		// First offset whose sequence number is >= minSeq.
		from = max(from, firstOffset(shard, func(s string) bool { return s > b.minSeq || (!b.minSeqStrict && s == b.minSeq) }))
	}
	if b.hasMaxSeq {
		// First offset whose sequence number is > maxSeq.
		to = min(to, firstOffset(shard, func(s string) bool { return s > b.maxSeq || (b.maxSeqStrict && s == b.maxSeq) }))
	}
	if to < from {
		to = from
	}
	return from, to, nil
}

// firstOffset returns the smallest offset o with pred(Encode(shard, o)),
// for a predicate monotonic in o; 1<<62 if none.
func firstOffset(shard uint32, pred func(string) bool) uint64 {
	lo, hi := uint64(0), uint64(1)<<62
	if !pred(seqnum.Encode(shard, hi)) {
		return hi
	}
	for lo < hi {
		mid := lo + (hi-lo)/2
		if pred(seqnum.Encode(shard, mid)) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

func isNotFound(err error) bool { return errors.Is(err, shardlog.ErrShardNotFound) }
