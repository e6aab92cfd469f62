package kinesis

// Routing: a record goes to the open shard whose hash key range holds the
// MD5 of its partition key (read as a big-endian 128-bit integer), or its
// ExplicitHashKey when one is given. Each stream's open shards are kept in a
// table sorted by range start, built once per meta snapshot (snapshots are
// immutable and replaced on every change, so the pointer is the cache key),
// and searched with a binary search.

import (
	"fmt"
	"slices"
	"sync"

	"github.com/rheo-dev/rheo/internal/meta"
)

// route is one open shard's hash key range.
type route struct {
	start, end uint128
	shard      uint32 // shard index
}

// routeTable is the routing table of one stream snapshot.
type routeTable struct {
	st     *meta.Stream
	routes []route // open shards, sorted by start
}

// routeCache maps a stream UID to the table of its latest seen snapshot.
type routeCache struct {
	m sync.Map // uint64 → *routeTable
}

// table returns the routing table of snapshot st, building it on a miss.
func (c *routeCache) table(st *meta.Stream) (*routeTable, error) {
	if v, ok := c.m.Load(st.UID); ok {
		if t := v.(*routeTable); t.st == st {
			return t, nil
		}
	}
	t, err := buildRoutes(st)
	if err != nil {
		return nil, err
	}
	c.m.Store(st.UID, t)
	return t, nil
}

// forget drops the table of a deleted stream.
func (c *routeCache) forget(uid uint64) { c.m.Delete(uid) }

func buildRoutes(st *meta.Stream) (*routeTable, error) {
	t := &routeTable{st: st}
	for _, sh := range st.Shards {
		if sh.Closed {
			continue
		}
		start, err := parseHashKey(sh.HashKeyStart)
		if err != nil {
			return nil, fmt.Errorf("stream %s shard %d: start %q: %w", st.Name, sh.Index, sh.HashKeyStart, err)
		}
		end, err := parseHashKey(sh.HashKeyEnd)
		if err != nil {
			return nil, fmt.Errorf("stream %s shard %d: end %q: %w", st.Name, sh.Index, sh.HashKeyEnd, err)
		}
		t.routes = append(t.routes, route{start: start, end: end, shard: sh.Index})
	}
	slices.SortFunc(t.routes, func(a, b route) int { return a.start.cmp(b.start) })
	return t, nil
}

// lookup returns the position in t.routes of the shard holding key, or -1
// when no open shard does (a hole in the meta, which should not happen).
func (t *routeTable) lookup(key uint128) int {
	// Find the first route starting after key; the one before it is the
	// only candidate.
	lo, hi := 0, len(t.routes)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if t.routes[m].start.cmp(key) <= 0 {
			lo = m + 1
		} else {
			hi = m
		}
	}
	i := lo - 1
	if i < 0 || t.routes[i].end.cmp(key) < 0 {
		return -1
	}
	return i
}
