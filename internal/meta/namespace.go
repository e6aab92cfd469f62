package meta

import (
	"bytes"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Namespaced records give later features (consumers, checkpoints, delivery
// state) durable key/value storage without new Store methods: each feature
// picks a namespace, and keys are opaque strings inside it. Values are JSON.
// By convention keys of per-stream records start with the stream's UID in
// 16 hex digits and a slash ("%016x/..."), so that deleting a stream can
// drop them with DeletePrefix. docs/format/meta.md lists the namespaces in
// use. These calls read the disk; they are not meant for hot paths.

// Put stores v, encoded as JSON, under key in namespace ns.
func (s *Store) Put(ns, key string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("meta: put %s/%s: encode: %w", ns, key, err)
	}
	return s.update(fmt.Sprintf("put %s/%s", ns, key), func(tx *bolt.Tx) error {
		b, err := tx.Bucket(bucketNS).CreateBucketIfNotExists([]byte(ns))
		if err != nil {
			return err
		}
		return b.Put([]byte(key), raw)
	})
}

// Get decodes the value under key in namespace ns into v. It reports false
// (and no error) if there is no such key.
func (s *Store) Get(ns, key string, v any) (bool, error) {
	var raw []byte
	if err := s.view(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketNS).Bucket([]byte(ns)); b != nil {
			raw = bytes.Clone(b.Get([]byte(key)))
		}
		return nil
	}); err != nil {
		return false, fmt.Errorf("meta: get %s/%s: %w", ns, key, err)
	}
	if raw == nil {
		return false, nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return true, fmt.Errorf("meta: get %s/%s: decode: %w", ns, key, err)
	}
	return true, nil
}

// Delete removes key from namespace ns; ErrNotFound if it is not there.
func (s *Store) Delete(ns, key string) error {
	return s.update(fmt.Sprintf("delete %s/%s", ns, key), func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketNS).Bucket([]byte(ns))
		if b == nil || b.Get([]byte(key)) == nil {
			return ErrNotFound
		}
		return b.Delete([]byte(key))
	})
}

// DeletePrefix removes every key of namespace ns that starts with prefix
// and returns how many it removed.
func (s *Store) DeletePrefix(ns, prefix string) (int, error) {
	n := 0
	err := s.update(fmt.Sprintf("delete prefix %s/%s", ns, prefix), func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketNS).Bucket([]byte(ns))
		if b == nil {
			return nil
		}
		var keys [][]byte
		c := b.Cursor()
		for k, _ := c.Seek([]byte(prefix)); k != nil && bytes.HasPrefix(k, []byte(prefix)); k, _ = c.Next() {
			keys = append(keys, bytes.Clone(k))
		}
		for _, k := range keys {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		n = len(keys)
		return nil
	})
	return n, err
}

// Batch stores puts (key → value, encoded as JSON) and removes dels in
// namespace ns in one transaction: all of it happens or none. Removing a
// key that is not there is not an error.
func (s *Store) Batch(ns string, puts map[string]any, dels []string) error {
	raws := make(map[string][]byte, len(puts))
	for k, v := range puts {
		raw, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("meta: batch %s/%s: encode: %w", ns, k, err)
		}
		raws[k] = raw
	}
	return s.update(fmt.Sprintf("batch in %s (%d puts, %d deletes)", ns, len(puts), len(dels)), func(tx *bolt.Tx) error {
		b, err := tx.Bucket(bucketNS).CreateBucketIfNotExists([]byte(ns))
		if err != nil {
			return err
		}
		for _, k := range dels {
			if err := b.Delete([]byte(k)); err != nil {
				return err
			}
		}
		for k, raw := range raws {
			if err := b.Put([]byte(k), raw); err != nil {
				return err
			}
		}
		return nil
	})
}

// Scan calls fn, in key order, with every key of namespace ns that starts
// with prefix and its raw JSON value. The value is only valid during the
// call. An error from fn stops the scan and is returned.
func (s *Store) Scan(ns, prefix string, fn func(key string, value []byte) error) error {
	return s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketNS).Bucket([]byte(ns))
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, v := c.Seek([]byte(prefix)); k != nil && bytes.HasPrefix(k, []byte(prefix)); k, v = c.Next() {
			if err := fn(string(k), v); err != nil {
				return err
			}
		}
		return nil
	})
}

// update runs fn in a write transaction, serialised with the other writers.
func (s *Store) update(what string, fn func(tx *bolt.Tx) error) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if err := s.db.Update(fn); err != nil {
		return fmt.Errorf("meta: %s: %w", what, err)
	}
	return nil
}

// view runs fn in a read transaction.
func (s *Store) view(fn func(tx *bolt.Tx) error) error {
	s.writeMu.Lock()
	closed := s.closed
	s.writeMu.Unlock()
	if closed {
		return ErrClosed
	}
	return s.db.View(fn)
}

// AllocUID reserves the next stream UID for a shard-log owner that is not
// a Kinesis stream (a delivery stream's internal log), so its shard
// directories can never collide with a stream's.
func (s *Store) AllocUID() (uint64, error) {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if s.closed {
		return 0, ErrClosed
	}
	var uid uint64
	err := s.db.Update(func(tx *bolt.Tx) error {
		sys := tx.Bucket(bucketSys)
		uid = decodeUint(sys.Get(keyNextUID))
		return sys.Put(keyNextUID, encodeUint(uid+1))
	})
	if err != nil {
		return 0, fmt.Errorf("meta: allocate uid: %w", err)
	}
	return uid, nil
}
