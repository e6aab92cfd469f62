package delivery

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"time"

	"github.com/rheo-dev/rheo/internal/compress"
	"github.com/rheo-dev/rheo/internal/kpl"
	"github.com/rheo-dev/rheo/internal/lake"
	"github.com/rheo-dev/rheo/internal/objkey"
	"github.com/rheo-dev/rheo/internal/seqnum"
	"github.com/rheo-dev/rheo/internal/shardlog"
)

// Error output types (the !{firehose:error-output-type} values) and codes.
const (
	errTypeProcessing = "processing-failed"
	errTypeConversion = "format-conversion-failed"
	// codeMetadataExtraction is the errorCode of a record whose partition
	// keys could not be extracted.
	codeMetadataExtraction = "DynamicPartitioning.MetadataExtractionFailed"
)

// batchResult counts what a batch delivered.
type batchResult struct {
	records, bytes, objects, failed int64
	skipped                         int64 // written, but their load was skipped
}

// newRandom is a batch's random string.
func newRandom() string { return objkey.NewRandom() }

// userRecord is one record as delivered: a Direct PUT record, or a Kinesis
// record (a KPL aggregate yields several).
type userRecord struct {
	data   []byte
	ts     int64  // arrival, ms since the Unix epoch
	seq    string // Kinesis sequence number, or the Firehose RecordId
	sub    int    // position in its KPL aggregate
	hasSub bool
}

// group is the records of one object.
type group struct {
	part map[string]string
	recs []userRecord
}

// failure is one record for the error output.
type failure struct {
	rec     userRecord
	errType string
	code    string
	message string
}

// execute writes the objects of one batch (and loads them into the
// warehouse). Everything it writes is a function of the plan and the
// records, so a replay replaces the objects of an interrupted attempt.
func (w *worker) execute(ctx context.Context, plan *batchPlan, recs [][]shardlog.Record, attempt int, start time.Time) (batchResult, error) {
	spec := plan.Spec
	dest := &spec.Dest
	layout, err := objkey.Compile(dest.Prefix, dest.ErrorOutputPrefix, dest.Partitioning != nil)
	if err != nil {
		return batchResult{}, fmt.Errorf("compile prefixes: %w", err)
	}
	users := w.expand(plan, recs)
	var res batchResult
	valid, fails := checkFormat(dest.RecordFormat, users)
	groups, partFails, err := partition(layout, dest.Partitioning, valid)
	if err != nil {
		return res, err
	}
	fails = append(fails, partFails...)
	name := w.s.name()
	params := objkey.Params{Stream: name, Version: spec.Version, Random: plan.Random}
	if c := dest.Conversion; c != nil {
		params.Extension = objkey.FormatExtension(dest.Compression, c.Serializer, dest.FileExtension)
	} else {
		params.Extension = objkey.Extension(dest.Compression, false, dest.FileExtension)
	}
	groups, keys := groupKeys(layout, params, groups)
	for gi, g := range groups {
		key := keys[gi]
		if err := lake.CheckKey(w.m.opts.Store, dest.Bucket, key); err != nil && g.part != nil {
			// Partition values that make a key the store cannot hold
			// (too long, an empty or oversized path segment) would
			// fail the batch forever: their records go to the error
			// output instead.
			msg := fmt.Sprintf("The partition key values give an object key that bucket %s cannot store (%s).", dest.Bucket, keyProblem(err))
			for _, u := range g.recs {
				fails = append(fails, failure{rec: u, errType: errTypeProcessing, code: codeMetadataExtraction, message: msg})
			}
			continue
		}
		var written bool
		if c := dest.Conversion; c != nil {
			var convFails []failure
			written, convFails, err = w.putConverted(ctx, c, dest.Bucket, key, g.recs)
			fails = append(fails, convFails...)
		} else {
			written, err = true, w.putEncoded(ctx, dest, key, g.recs, dest.AppendDelimiter)
		}
		if err != nil {
			return batchResult{}, err
		}
		if !written {
			continue
		}
		if wh := dest.Warehouse; wh != nil {
			// The version is part of the id: a batch that moved to an
			// updated spec (replan) may load other objects, or into
			// another table.
			loadID := fmt.Sprintf("%s-%016x-%d-v%d-%d", name, w.uid, plan.Seq, spec.Version, gi)
			if _, err := w.m.opts.Warehouse.Load(ctx, wh, dest.Bucket, key, loadID); err != nil {
				err = fmt.Errorf("load %s into %s: %w", key, wh.Table, err)
				if ctx.Err() != nil || wh.RetryFor == nil || w.m.now().Sub(start) < *wh.RetryFor {
					return batchResult{}, err
				}
				if err := w.skipLoad(ctx, dest, key, err); err != nil {
					return batchResult{}, err
				}
				res.skipped += int64(len(g.recs))
			}
		}
		res.objects++
	}
	n, err := w.putErrors(ctx, plan, layout, fails, attempt, keys)
	if err != nil {
		return batchResult{}, err
	}
	res.failed = n + res.skipped
	res.records = int64(len(users)) - n - res.skipped
	for _, u := range users {
		res.bytes += int64(len(u.data))
	}
	for _, f := range fails {
		res.bytes -= int64(len(f.rec.data))
	}
	return res, nil
}

// expand turns the log records into user records, de-aggregating KPL
// aggregates of a Kinesis source (a record that looks aggregated but does
// not decode passes through unchanged, as the KCL does).
func (w *worker) expand(plan *batchPlan, recs [][]shardlog.Record) []userRecord {
	n := 0
	for _, rs := range recs {
		n += len(rs)
	}
	out := make([]userRecord, 0, n)
	for i, rs := range recs {
		shard := plan.Ranges[i].Shard
		for _, r := range rs {
			if w.source == SourceDirectPut {
				out = append(out, userRecord{data: r.Data, ts: r.Timestamp, seq: recordID(w.uid, r.Offset)})
				continue
			}
			seq := seqnum.Encode(shard, r.Offset)
			if kpl.IsAggregated(r.Data) {
				if subs, err := kpl.Deaggregate(r.Data); err == nil {
					for _, s := range subs {
						out = append(out, userRecord{data: s.Data, ts: r.Timestamp, seq: seq, sub: s.SubSequence, hasSub: true})
					}
					continue
				}
			}
			out = append(out, userRecord{data: r.Data, ts: r.Timestamp, seq: seq})
		}
	}
	return out
}

// partition groups records by their partition values (one group when
// dynamic partitioning is off); records whose keys cannot be extracted go
// to the error output.
func partition(layout *objkey.Layout, p *Partitioning, users []userRecord) ([]*group, []failure, error) {
	if p == nil {
		return []*group{{recs: users}}, nil, nil
	}
	q, err := objkey.ParseQuery(p.Query)
	if err != nil {
		return nil, nil, fmt.Errorf("metadata extraction query: %w", err)
	}
	var groups []*group
	byKey := make(map[string]*group)
	var fails []failure
	for _, u := range users {
		vals, err := q.Eval(u.data)
		if err == nil {
			err = layout.CheckPartition(vals)
		}
		if err != nil {
			fails = append(fails, failure{rec: u, errType: errTypeProcessing, code: codeMetadataExtraction, message: recordMessage(err)})
			continue
		}
		k := layout.GroupKey(vals)
		g := byKey[k]
		if g == nil {
			g = &group{part: vals}
			byKey[k] = g
			groups = append(groups, g)
		}
		g.recs = append(g.recs, u)
	}
	return groups, fails, nil
}

// groupKeys returns the object key of each group, merging groups whose
// keys are equal. Distinct partition values can render the same prefix
// ("x-y"+"z" and "x"+"y-z" under "!{partitionKeyFromQuery:a}-!{partitionKeyFromQuery:b}/"),
// and every object of a batch has the batch's uuid: written separately,
// the later object would replace the earlier one and lose its records.
// A merged group keeps the key: its oldest record is one of the two whose
// times rendered the same.
func groupKeys(layout *objkey.Layout, params objkey.Params, groups []*group) ([]*group, []string) {
	out := groups[:0:0]
	keys := make([]string, 0, len(groups))
	index := make(map[string]int, len(groups))
	for _, g := range groups {
		p := params
		p.Time = msTime(oldest(g.recs))
		p.Partition = g.part
		key := layout.Key(p)
		if i, ok := index[key]; ok {
			out[i].recs = append(out[i].recs, g.recs...)
			continue
		}
		index[key] = len(out)
		out = append(out, g)
		keys = append(keys, key)
	}
	return out, keys
}

// oldest returns the earliest arrival among recs.
func oldest(recs []userRecord) int64 {
	var o int64
	for _, r := range recs {
		if o == 0 || r.ts < o {
			o = r.ts
		}
	}
	return o
}

// putEncoded writes records concatenated (with "\n" after each when
// delimit), compressed in the destination's format.
func (w *worker) putEncoded(ctx context.Context, dest *Destination, key string, recs []userRecord, delimit bool) error {
	size := 0
	for _, r := range recs {
		size += len(r.data) + 1
	}
	buf := w.m.getBuffer()
	defer w.m.putBuffer(buf)
	if dest.Compression == "" || dest.Compression == compress.Uncompressed {
		buf.Grow(size)
	} else {
		buf.Grow(size/4 + 4096)
	}
	zw, err := compress.NewWriter(buf, orUncompressed(dest.Compression), compress.Options{ZipEntryName: zipEntry(key)})
	if err != nil {
		return fmt.Errorf("compress %s: %w", key, err)
	}
	for _, r := range recs {
		if _, err := zw.Write(r.data); err != nil {
			return fmt.Errorf("compress %s: %w", key, err)
		}
		if delimit {
			if _, err := zw.Write(newline); err != nil {
				return fmt.Errorf("compress %s: %w", key, err)
			}
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("compress %s: %w", key, err)
	}
	// Firehose marks compressed objects with Content-Encoding on S3.
	md := lake.Metadata{ContentType: "application/octet-stream", ContentEncoding: compress.ContentEncoding(orUncompressed(dest.Compression))}
	if err := lake.PutWithMetadata(ctx, w.m.opts.Store, dest.Bucket, key, bytes.NewReader(buf.Bytes()), int64(buf.Len()), md); err != nil {
		return err // lake's errors name the object (FailureDescription shows it once)
	}
	return nil
}

var newline = []byte{'\n'}

// maxFreeBuffers bounds the encoding buffers kept for reuse: one per
// batch in flight is enough for the usual few streams.
const maxFreeBuffers = 2

// getBuffer returns an empty encoding buffer, reusing a freed one: that
// spares allocating and clearing BufferBytes per batch.
func (m *Manager) getBuffer() *bytes.Buffer {
	m.bufMu.Lock()
	defer m.bufMu.Unlock()
	if n := len(m.freeBufs); n > 0 {
		b := m.freeBufs[n-1]
		m.freeBufs = m.freeBufs[:n-1]
		b.Reset()
		return b
	}
	return new(bytes.Buffer)
}

// putBuffer hands a buffer back for reuse.
func (m *Manager) putBuffer(b *bytes.Buffer) {
	m.bufMu.Lock()
	defer m.bufMu.Unlock()
	if len(m.freeBufs) < maxFreeBuffers {
		m.freeBufs = append(m.freeBufs, b)
	}
}

// orUncompressed maps an empty format to UNCOMPRESSED.
func orUncompressed(f string) string {
	if f == "" {
		return compress.Uncompressed
	}
	return f
}

// zipEntry names the single entry of a ZIP object: the object's base name
// without ".zip".
func zipEntry(key string) string {
	base := path.Base(key)
	if ext := path.Ext(base); ext == ".zip" {
		base = base[:len(base)-len(ext)]
	}
	return base
}

// putConverted converts records to a columnar file and uploads it; written
// is false when no record converted.
func (w *worker) putConverted(ctx context.Context, c *Conversion, bucket, key string, recs []userRecord) (written bool, fails []failure, err error) {
	dir, err := os.MkdirTemp(w.m.opts.TempDir, "rheo-convert-")
	if err != nil {
		return false, nil, fmt.Errorf("convert: %w", err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "object")
	datas := make([][]byte, len(recs))
	for i, r := range recs {
		datas[i] = r.data
	}
	res, err := w.m.opts.Converter.Convert(ctx, c, datas, path)
	if err != nil {
		return false, nil, fmt.Errorf("convert to %s: %w", c.Serializer, err)
	}
	for _, f := range res.Failed {
		if f.Index < 0 || f.Index >= len(recs) {
			return false, nil, fmt.Errorf("convert: failure index %d out of range", f.Index)
		}
		fails = append(fails, failure{rec: recs[f.Index], errType: errTypeConversion, code: f.Code, message: f.Message})
	}
	if res.Rows == 0 {
		return false, fails, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return false, nil, fmt.Errorf("convert: open output: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return false, nil, fmt.Errorf("convert: %w", err)
	}
	if err := w.m.opts.Store.Put(ctx, bucket, key, f, st.Size()); err != nil {
		return false, nil, err // lake's errors name the object
	}
	return true, fails, nil
}
