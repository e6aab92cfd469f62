package shardlog

import (
	"os"
	"path/filepath"
	"testing"
)

func TestParseSyncPolicy(t *testing.T) {
	for _, p := range []SyncPolicy{SyncAlways, SyncInterval, SyncNever} {
		got, err := ParseSyncPolicy(p.String())
		if err != nil || got != p {
			t.Errorf("ParseSyncPolicy(%q) = %v, %v", p.String(), got, err)
		}
	}
	if _, err := ParseSyncPolicy("sometimes"); err == nil {
		t.Error("ParseSyncPolicy accepted an unknown policy")
	}
}

func TestOptionsValidate(t *testing.T) {
	ok := Options{Dir: "x"}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	d := DefaultOptions()
	if d.SegmentSize != 64<<20 || d.MaxOpenFiles != 256 || d.Sync != SyncAlways || d.Now == nil || d.Logger == nil {
		t.Fatalf("defaults: %+v", d)
	}
	for name, o := range map[string]Options{
		"no dir":       {},
		"policy":       {Dir: "x", Sync: 7},
		"segment tiny": {Dir: "x", SegmentSize: 10},
		"segment huge": {Dir: "x", SegmentSize: 4 << 30},
		"files":        {Dir: "x", MaxOpenFiles: -1},
		"prealloc <0":  {Dir: "x", Preallocate: -1},
		"prealloc big": {Dir: "x", Preallocate: 1 << 30},
		"journal <0":   {Dir: "x", Journal: -1},
		"journal tiny": {Dir: "x", Journal: 4096},
		"journal huge": {Dir: "x", Journal: 2 << 30},
	} {
		if err := o.Validate(); err == nil {
			t.Errorf("%s: Validate accepted %+v", name, o)
		}
	}
}

// TestHandleCacheRefcount checks that eviction never closes a handle in
// use and that the cache stays within its bound.
func TestHandleCacheRefcount(t *testing.T) {
	dir := t.TempDir()
	c := newHandleCache(osFS{}, 2)
	segs := make([]*segment, 4)
	for i := range segs {
		segs[i] = newSegment(dir, uint64(i))
		if err := os.WriteFile(filepath.Join(dir, segs[i].name), []byte("abc"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	held, err := c.acquire(segs[0], os.O_RDONLY)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range segs[1:] {
		h, err := c.acquire(g, os.O_RDONLY)
		if err != nil {
			t.Fatal(err)
		}
		c.release(h)
	}
	if n := c.lru.Len(); n != 2 {
		t.Fatalf("cache holds %d handles, max 2", n)
	}
	buf := make([]byte, 3)
	if _, err := held.f.ReadAt(buf, 0); err != nil || string(buf) != "abc" {
		t.Fatalf("evicted handle in use was closed: %v", err)
	}
	c.release(held)
	if _, err := held.f.ReadAt(buf, 0); err == nil {
		t.Fatal("evicted handle still open after its last release")
	}
	if err := c.dropAll(); err != nil {
		t.Fatal(err)
	}
}
