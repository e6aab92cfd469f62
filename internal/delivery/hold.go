package delivery

import "github.com/rheo-dev/rheo/internal/shardlog"

// Memory accounting of the buffer.
const (
	// recordOverhead is what a buffered record costs beyond its data: its
	// shardlog.Record (104 bytes) in the buffer's slice, with slack for
	// the slice's growth.
	recordOverhead = 128
	// smallRead is the size under which a read's records are copied into
	// the arena and its buffers released at once: the log reads into
	// pooled buffers of at least 4 KiB (powers of two), so a buffer built
	// from many small reads (a producer putting a few records at a time)
	// would otherwise hold several times its data.
	smallRead = 64 << 10
	// arenaChunk is the size of one arena allocation.
	arenaChunk = 256 << 10
)

// memLimit is the memory a buffer of limit bytes may use before it is
// flushed anyway: twice the data limit, so records of at least
// recordOverhead bytes flush on size (BufferingHints is a hint: Firehose
// too delivers objects smaller than SizeInMBs) and tiny records cannot
// make a 128 MiB buffer cost gigabytes.
func memLimit(limit int) int { return 2 * limit }

// hold appends the records of b (read from shard idx) to the buffer. The
// records of a small read are copied into the arena and b is released;
// a large read's records keep aliasing its buffers, which are held until
// the buffer is delivered. Either way the Records slice of b is dropped:
// it was sized for the whole read (up to readMaxRecords) and would
// otherwise pin hundreds of times the data of a small read.
func (w *worker) hold(idx uint32, b shardlog.Batch) {
	start := len(w.recs[idx])
	w.recs[idx] = append(w.recs[idx], b.Records...)
	size := 0
	for i := range b.Records {
		size += len(b.Records[i].Data)
	}
	if size >= smallRead {
		b.Records = nil
		w.held = append(w.held, b)
		return
	}
	recs := w.recs[idx][start:]
	for i := range recs {
		r := &recs[i]
		r.Data = w.keep(r.Data)
		r.PartitionKey, r.ExplicitHashKey = nil, nil // delivery does not use them
	}
	b.Release()
}

// keep copies d into the arena.
func (w *worker) keep(d []byte) []byte {
	if w.arena == nil || cap(w.arena)-len(w.arena) < len(d) {
		w.arena = make([]byte, 0, max(arenaChunk, len(d)))
	}
	n := len(w.arena)
	w.arena = append(w.arena, d...)
	return w.arena[n:len(w.arena):len(w.arena)]
}
