package meta

import "maps"

// Clone returns a deep copy of the stream: changing the copy, its tags or
// its shards never affects s.
func (s *Stream) Clone() *Stream {
	c := *s
	c.Tags = maps.Clone(s.Tags)
	if s.Shards != nil {
		c.Shards = make([]Shard, len(s.Shards))
		for i, sh := range s.Shards {
			c.Shards[i] = sh.clone()
		}
	}
	return &c
}

func (sh Shard) clone() Shard {
	if sh.Parent != nil {
		p := *sh.Parent
		sh.Parent = &p
	}
	if sh.AdjacentParent != nil {
		p := *sh.AdjacentParent
		sh.AdjacentParent = &p
	}
	return sh
}
