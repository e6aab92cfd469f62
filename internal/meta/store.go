package meta

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// FormatVersion is the version of the meta.db layout this code writes. Open
// refuses files with a newer version.
const FormatVersion = 1

// OpenTimeout bounds how long Open waits for bbolt's file lock before it
// gives up with ErrLocked.
const OpenTimeout = time.Second

// Bucket and key names; docs/format/meta.md describes them.
var (
	bucketSys     = []byte("sys")
	bucketStreams = []byte("streams")
	bucketSecrets = []byte("secrets")
	bucketNS      = []byte("ns")

	keyFormat  = []byte("format")
	keyNextUID = []byte("next-uid")
)

// SecretSize is the length of the secrets made by Secret.
const SecretSize = 32

// More errors of the Store.
var (
	// ErrLocked: the meta file is held by another open Store, in this
	// process or another.
	ErrLocked = errors.New("meta: database file is in use by another open store")
	// ErrInvalidStream: CreateStream or UpdateStream got a stream that cannot
	// be stored (empty name, renamed, UID changed).
	ErrInvalidStream = errors.New("meta: invalid stream")
	// ErrNotFound: Get or Delete of a namespaced key that does not exist.
	ErrNotFound = errors.New("meta: key not found")
)

// Store is the control-plane store. See the package doc for guarantees.
type Store struct {
	db     *bolt.DB
	logger *slog.Logger

	// streams is the current immutable snapshot: never modify the map or
	// the streams in it, replace the pointer instead (under writeMu).
	streams atomic.Pointer[map[string]*Stream]

	// writeMu serialises writers and guards closed and secrets.
	writeMu sync.Mutex
	closed  bool
	secrets map[string][]byte
}

// Open opens or creates the store at path (normally <data-dir>/meta.db).
// The caller must already own the data directory. If the file is held by
// another open Store, Open fails within OpenTimeout with ErrLocked.
// logger may be nil.
//
// A damaged file (truncated, or making bbolt panic or fault) fails Open
// with an error naming it rather than crashing the process; its file
// handle may then stay open until the process exits.
func Open(path string, logger *slog.Logger) (*Store, error) {
	if err := checkFile(path); err != nil {
		return nil, fmt.Errorf("meta: open: %w", err)
	}
	return openBolt(path, func() (*Store, error) { return open(path, logger) })
}

func open(path string, logger *slog.Logger) (*Store, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: OpenTimeout})
	if err != nil {
		if errors.Is(err, bolterrors.ErrTimeout) {
			return nil, fmt.Errorf("open %s: %w", path, ErrLocked)
		}
		return nil, fmt.Errorf("meta: open %s: %w", path, err)
	}
	s := &Store{db: db, logger: logger, secrets: make(map[string][]byte)}
	snap := make(map[string]*Stream)
	err = db.Update(func(tx *bolt.Tx) error {
		sys, err := tx.CreateBucketIfNotExists(bucketSys)
		if err != nil {
			return err
		}
		if v := sys.Get(keyFormat); v != nil {
			var ver int
			if err := json.Unmarshal(v, &ver); err != nil {
				return fmt.Errorf("read format version %q: %w", v, err)
			}
			if ver > FormatVersion {
				return fmt.Errorf("format version %d is newer than this binary supports (%d): upgrade rheo", ver, FormatVersion)
			}
		} else if err := sys.Put(keyFormat, []byte(fmt.Sprint(FormatVersion))); err != nil {
			return err
		}
		if sys.Get(keyNextUID) == nil {
			if err := sys.Put(keyNextUID, encodeUint(1)); err != nil {
				return err
			}
		}
		for _, b := range [][]byte{bucketStreams, bucketSecrets, bucketNS} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketStreams).ForEach(func(k, v []byte) error {
			st := new(Stream)
			if err := json.Unmarshal(v, st); err != nil {
				return fmt.Errorf("decode stream %q: %w", k, err)
			}
			snap[st.Name] = st
			return nil
		})
	})
	if err != nil {
		return nil, errors.Join(fmt.Errorf("meta: load %s: %w", path, err), db.Close())
	}
	s.streams.Store(&snap)
	logger.Debug("meta store opened", "path", path, "streams", len(snap))
	return s, nil
}

// Close closes the database file. Later writes fail with ErrClosed; reads
// of streams keep answering from the last snapshot.
func (s *Store) Close() error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("meta: close: %w", err)
	}
	return nil
}

// Stream returns the current snapshot of the named stream. It is a map
// lookup with no disk I/O. The result must not be modified.
func (s *Store) Stream(name string) (*Stream, bool) {
	st, ok := (*s.streams.Load())[name]
	return st, ok
}

// Streams returns snapshots of all streams sorted by name. The results must
// not be modified.
func (s *Store) Streams() []*Stream {
	m := *s.streams.Load()
	out := make([]*Stream, 0, len(m))
	for _, st := range m {
		out = append(out, st)
	}
	slices.SortFunc(out, func(a, b *Stream) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// CreateStream stores a new stream, assigning it the next UID (any UID in
// st is ignored), and returns the stored snapshot. It fails with
// ErrStreamExists if the name is taken.
func (s *Store) CreateStream(st Stream) (*Stream, error) {
	if st.Name == "" {
		return nil, fmt.Errorf("%w: empty name", ErrInvalidStream)
	}
	ns := st.Clone()
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	if _, ok := s.Stream(st.Name); ok {
		return nil, fmt.Errorf("create stream %q: %w", st.Name, ErrStreamExists)
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		sys := tx.Bucket(bucketSys)
		uid := decodeUint(sys.Get(keyNextUID))
		if err := sys.Put(keyNextUID, encodeUint(uid+1)); err != nil {
			return err
		}
		ns.UID = uid
		return putStream(tx, ns)
	})
	if err != nil {
		return nil, fmt.Errorf("meta: create stream %q: %w", st.Name, err)
	}
	s.swap(func(m map[string]*Stream) { m[ns.Name] = ns })
	s.logger.Debug("stream created", "stream", ns.Name, "uid", ns.UID)
	return ns, nil
}

// UpdateStream calls fn with a deep copy of the named stream. If fn returns
// nil the copy is committed and becomes the new snapshot, which is
// returned; if fn returns an error nothing changes and the error is
// returned as is. fn must not rename the stream or change its UID. It fails
// with ErrStreamNotFound if there is no such stream. fn runs with the
// store's write lock held: keep it short and do not call the Store from it.
func (s *Store) UpdateStream(name string, fn func(st *Stream) error) (*Stream, error) {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	old, ok := s.Stream(name)
	if !ok {
		return nil, fmt.Errorf("update stream %q: %w", name, ErrStreamNotFound)
	}
	ns := old.Clone()
	if err := fn(ns); err != nil {
		return nil, err
	}
	if ns.Name != old.Name || ns.UID != old.UID {
		return nil, fmt.Errorf("%w: update of %q may not change its name or UID", ErrInvalidStream, name)
	}
	if err := s.db.Update(func(tx *bolt.Tx) error { return putStream(tx, ns) }); err != nil {
		return nil, fmt.Errorf("meta: update stream %q: %w", name, err)
	}
	s.swap(func(m map[string]*Stream) { m[name] = ns })
	return ns, nil
}

// DeleteStream removes the named stream from the catalogue; its UID is
// never given out again. It fails with ErrStreamNotFound if there is no
// such stream. Removing the stream's shards from the log is the caller's
// job.
func (s *Store) DeleteStream(name string) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if _, ok := s.Stream(name); !ok {
		return fmt.Errorf("delete stream %q: %w", name, ErrStreamNotFound)
	}
	if err := s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketStreams).Delete([]byte(name))
	}); err != nil {
		return fmt.Errorf("meta: delete stream %q: %w", name, err)
	}
	s.swap(func(m map[string]*Stream) { delete(m, name) })
	s.logger.Debug("stream deleted", "stream", name)
	return nil
}

// Secret returns the named secret: SecretSize random bytes made and
// persisted on first use, the same bytes on every later call and after
// every restart. The caller must not modify the result.
func (s *Store) Secret(name string) ([]byte, error) {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	if v, ok := s.secrets[name]; ok {
		return v, nil
	}
	var secret []byte
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSecrets)
		if v := b.Get([]byte(name)); v != nil {
			secret = bytes.Clone(v)
			return nil
		}
		secret = make([]byte, SecretSize)
		if _, err := io.ReadFull(rand.Reader, secret); err != nil {
			return fmt.Errorf("generate: %w", err)
		}
		return b.Put([]byte(name), secret)
	})
	if err != nil {
		return nil, fmt.Errorf("meta: secret %q: %w", name, err)
	}
	s.secrets[name] = secret
	return secret, nil
}

// swap replaces the snapshot with a copy changed by fn.
// s.writeMu should be held.
func (s *Store) swap(fn func(m map[string]*Stream)) {
	old := *s.streams.Load()
	m := make(map[string]*Stream, len(old)+1)
	for k, v := range old {
		m[k] = v
	}
	fn(m)
	s.streams.Store(&m)
}

func putStream(tx *bolt.Tx, st *Stream) error {
	v, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	return tx.Bucket(bucketStreams).Put([]byte(st.Name), v)
}

func encodeUint(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

func decodeUint(b []byte) uint64 {
	if len(b) != 8 {
		return 1
	}
	return binary.BigEndian.Uint64(b)
}
