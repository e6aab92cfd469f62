package shardlog

import (
	"container/list"
	"sync"
)

// indexCache keeps the sparse indexes of recently read sealed segments, so
// memory stays bounded however many segments exist. A miss costs reading
// two small files.
type indexCache struct {
	max int

	mu  sync.Mutex // guards m and lru
	m   map[*segment]*list.Element
	lru *list.List // of idxEntry, most recent at the front
}

type idxEntry struct {
	g *segment
	x *segIndex
}

func newIndexCache(max int) *indexCache {
	return &indexCache{max: max, m: make(map[*segment]*list.Element), lru: list.New()}
}

func (c *indexCache) get(g *segment) *segIndex {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[g]; ok {
		c.lru.MoveToFront(e)
		return e.Value.(idxEntry).x
	}
	return nil
}

func (c *indexCache) put(g *segment, x *segIndex) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[g]; ok {
		e.Value = idxEntry{g, x}
		c.lru.MoveToFront(e)
		return
	}
	c.m[g] = c.lru.PushFront(idxEntry{g, x})
	for c.lru.Len() > c.max {
		e := c.lru.Back()
		c.lru.Remove(e)
		delete(c.m, e.Value.(idxEntry).g)
	}
}

func (c *indexCache) drop(g *segment) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[g]; ok {
		c.lru.Remove(e)
		delete(c.m, g)
	}
}
