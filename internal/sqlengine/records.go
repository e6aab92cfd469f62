package sqlengine

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"

	"github.com/duckdb/duckdb-go/v2"
)

// convertKey carries a *convertBatch to rheo_records in the context.
type convertKey struct{}

// convertBatch is the input of one Convert.
type convertBatch struct {
	records [][]byte
	lower   bool
	dots    bool
	keys    map[string]int // fast path: column key → bit of __present
	next    atomic.Int64   // next record block to claim
	docs    atomic.Int64   // documents emitted
	multi   atomic.Bool    // some record held several documents
	quiet   atomic.Bool    // a second pass: malformed records are known
	exclude map[int]bool   // records DuckDB's parser rejected (fallback)

	mu     sync.Mutex
	failed []ConvertFailure
}

func (b *convertBatch) fail(i int, msg string) {
	if b.quiet.Load() {
		return
	}
	b.mu.Lock()
	b.failed = append(b.failed, ConvertFailure{Index: i, Code: codeMalformed, Message: msg})
	b.mu.Unlock()
}

// rewind prepares the batch for another pass.
func (b *convertBatch) rewind() {
	b.next.Store(0)
	b.docs.Store(0)
	b.quiet.Store(true)
}

// noJSONCheck hands records to DuckDB unchecked (tests of the fallback
// for documents DuckDB's parser rejects).
var noJSONCheck bool

// recordBlock is how many records one FillChunk claims.
const recordBlock = 1024

// Columns of rheo_records.
const (
	recIdx = iota
	recRaw
	recPresent
	numRecCols
)

// recordsSource is a bound rheo_records().
type recordsSource struct {
	b       *convertBatch
	threads int
}

// recDoc is one document waiting to be emitted.
type recDoc struct {
	doc     []byte
	present uint64
}

type recordsLocal struct {
	from, to int      // claimed records not yet emitted
	docs     []recDoc // documents of the current record not yet emitted
	idx      int32    // record of docs
	scan     jsonDocs
	scratch  []byte
	vecs     []vecPtrs
	proj     []bool
}

func (s *recordsSource) ColumnInfos() []duckdb.ColumnInfo {
	in, _ := duckdb.NewTypeInfo(duckdb.TYPE_INTEGER)
	vc, _ := duckdb.NewTypeInfo(duckdb.TYPE_VARCHAR)
	bi, _ := duckdb.NewTypeInfo(duckdb.TYPE_BIGINT)
	return []duckdb.ColumnInfo{{Name: "__idx", T: in}, {Name: "__raw", T: vc}, {Name: "__present", T: bi}}
}

func (s *recordsSource) Cardinality() *duckdb.CardinalityInfo {
	if s.b == nil {
		return nil
	}
	return &duckdb.CardinalityInfo{Cardinality: uint(len(s.b.records)), Exact: false}
}

func (s *recordsSource) Init() duckdb.ParallelTableSourceInfo {
	return duckdb.ParallelTableSourceInfo{MaxThreads: max(s.threads, 1)}
}

func (s *recordsSource) NewLocalState() any {
	l := &recordsLocal{}
	if s.b != nil {
		l.scan = jsonDocs{lower: s.b.lower, dots: s.b.dots, keys: s.b.keys}
	}
	return l
}

func (s *recordsSource) FillChunk(ls any, chunk duckdb.DataChunk) error {
	l := ls.(*recordsLocal)
	if s.b == nil {
		return chunk.SetSize(0)
	}
	if len(l.proj) != numRecCols {
		l.proj, l.vecs = make([]bool, numRecCols), make([]vecPtrs, numRecCols)
	}
	projected(chunk, l.proj)
	w := cellWriter{chunk: chunk}
	if rawVectors(chunk, l.vecs) {
		w.vecs = l.vecs
	}
	capacity := duckdb.GetDataChunkCapacity()
	row := 0
	emit := func(idx int32, d recDoc) error {
		w.row = row
		if l.proj[recIdx] {
			if err := put(&w, recIdx, idx); err != nil {
				return err
			}
		}
		if l.proj[recRaw] {
			if err := w.str(recRaw, d.doc); err != nil {
				return err
			}
		}
		if l.proj[recPresent] {
			if err := put(&w, recPresent, int64(d.present)); err != nil {
				return err
			}
		}
		row++
		return nil
	}
	for row < capacity {
		if len(l.docs) > 0 {
			if err := emit(l.idx, l.docs[0]); err != nil {
				return err
			}
			l.docs = l.docs[1:]
			continue
		}
		if l.from >= l.to {
			blk := int(s.b.next.Add(1) - 1)
			if blk*recordBlock >= len(s.b.records) {
				break
			}
			l.from, l.to = blk*recordBlock, min((blk+1)*recordBlock, len(s.b.records))
		}
		i := l.from
		l.from++
		if s.b.exclude[i] {
			continue
		}
		if noJSONCheck {
			if err := emit(int32(i), recDoc{doc: s.b.records[i]}); err != nil {
				return err
			}
			continue
		}
		ndocs := 0
		var first recDoc
		var more []recDoc
		err := l.scan.split(s.b.records[i], &l.scratch, func(doc []byte, patched bool, present uint64) {
			ndocs++
			if ndocs == 1 {
				first = recDoc{doc, present}
				if patched {
					first.doc = append([]byte(nil), doc...)
				}
				return
			}
			more = append(more, recDoc{append([]byte(nil), doc...), present})
		})
		if err != nil {
			s.b.fail(i, "invalid JSON: "+err.Error())
			continue
		}
		if err := emit(int32(i), first); err != nil {
			return err
		}
		if len(more) > 0 {
			s.b.multi.Store(true)
			l.docs, l.idx = more, int32(i)
		}
	}
	s.b.docs.Add(int64(row))
	return chunk.SetSize(row)
}

// registerRecords registers rheo_records on a connection.
func (e *Engine) registerRecords(conn *sql.Conn) error {
	return duckdb.RegisterTableUDF(conn, "rheo_records", duckdb.ParallelChunkTableFunction{
		BindArgumentsContext: func(ctx context.Context, _ map[string]any, _ ...any) (duckdb.ParallelChunkTableSource, error) {
			b, _ := ctx.Value(convertKey{}).(*convertBatch)
			return &recordsSource{b: b, threads: e.threads}, nil
		},
	})
}
