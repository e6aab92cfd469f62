// Stream-management plumbing: the action table, the janitor goroutine that
// persists finished state transitions, finishes deletions and removes
// expired closed shards, shard rendering and the opaque pagination tokens
// of ListShards and ListStreams.
//
// The janitor sleeps until the earliest pending ReadyAt or closed-shard
// expiry (no polling), is
// woken by kickJanitor whenever an action starts a transition, and on start
// (so after a restart) finishes every transition already due. Structural
// changes (creating a stream, finishing a deletion) run under
// controlState.mu so a deletion can never remove a re-created stream.
//
// Known gaps vs AWS: NextToken formats are rheo's own (AWS's are opaque
// too); an invalid token is an InvalidArgumentException whose wording is
// rheo's.
package kinesis

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rheo-dev/rheo/internal/kinesis/wire"
	"github.com/rheo-dev/rheo/internal/meta"
	"github.com/rheo-dev/rheo/internal/seqnum"
	"github.com/rheo-dev/rheo/internal/shardlog"
)

// controlState is the stream-management actions' private state.
type controlState struct {
	// mu serialises structural changes: CreateStream (its quota check and
	// creation) and finishing deletions. Lock order: mu, then the meta
	// store's own lock.
	mu sync.Mutex
	// wake nudges the janitor (buffered 1, never blocks the sender).
	wake chan struct{}
	// tokenKey signs pagination tokens.
	tokenKey []byte
}

func (s *Server) initControl() {
	s.ctl.wake = make(chan struct{}, 1)
	m := hmac.New(sha256.New, s.cfg.IteratorKey)
	m.Write([]byte("rheo pagination tokens"))
	s.ctl.tokenKey = m.Sum(nil)
}

// controlOps lists the stream-management actions.
func (s *Server) controlOps() map[string]op {
	return map[string]op{
		"CreateStream":                  handle(s.createStream),
		"DeleteStream":                  handle(s.deleteStream),
		"DescribeStream":                handle(s.describeStream),
		"DescribeStreamSummary":         handle(s.describeStreamSummary),
		"ListStreams":                   handle(s.listStreams),
		"ListShards":                    handle(s.listShards),
		"AddTagsToStream":               handle(s.addTagsToStream),
		"RemoveTagsFromStream":          handle(s.removeTagsFromStream),
		"ListTagsForStream":             handle(s.listTagsForStream),
		"IncreaseStreamRetentionPeriod": handle(s.increaseStreamRetentionPeriod),
		"DecreaseStreamRetentionPeriod": handle(s.decreaseStreamRetentionPeriod),
		"DescribeLimits":                handle(s.describeLimits),
		"SplitShard":                    handle(s.splitShard),
		"MergeShards":                   handle(s.mergeShards),
		"UpdateShardCount":              handle(s.updateShardCount),
		"UpdateStreamMode":              handle(s.updateStreamMode),
		"RegisterStreamConsumer":        handle(s.registerStreamConsumer),
		"DescribeStreamConsumer":        handle(s.describeStreamConsumer),
		"ListStreamConsumers":           handle(s.listStreamConsumers),
		"DeregisterStreamConsumer":      handle(s.deregisterStreamConsumer),
		"StartStreamEncryption":         handle(s.startStreamEncryption),
		"StopStreamEncryption":          handle(s.stopStreamEncryption),
		"EnableEnhancedMonitoring":      handle(s.enableEnhancedMonitoring),
		"DisableEnhancedMonitoring":     handle(s.disableEnhancedMonitoring),
		"TagResource":                   handle(s.tagResource),
		"UntagResource":                 handle(s.untagResource),
		"ListTagsForResource":           handle(s.listTagsForResource),
		"PutResourcePolicy":             handle(s.putResourcePolicy),
		"GetResourcePolicy":             handle(s.getResourcePolicy),
		"DeleteResourcePolicy":          handle(s.deleteResourcePolicy),
		"DescribeAccountSettings":       handle(s.describeAccountSettings),
		"UpdateAccountSettings":         handle(s.updateAccountSettings),
		"UpdateMaxRecordSize":           handle(s.updateMaxRecordSize),
		"UpdateStreamWarmThroughput":    handle(s.updateStreamWarmThroughput),

		"UpdateStreamRecordDistributionStrategy": handle(s.updateStreamRecordDistributionStrategy),

		"CreateChannel":   handle(s.createChannel),
		"DescribeChannel": handle(s.describeChannel),
		"ListChannels":    handle(s.listChannels),
		"UpdateChannel":   handle(s.updateChannel),
		"DeleteChannel":   handle(s.deleteChannel),
	}
}

// startBackground starts the goroutines the Server owns.
func (s *Server) startBackground() {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.janitor()
	}()
}

// kickJanitor wakes the janitor to look at pending transitions now.
func (s *Server) kickJanitor() {
	select {
	case s.ctl.wake <- struct{}{}:
	default:
	}
}

// janitor runs until s.stop closes. Each round persists due transitions,
// removes expired closed shards and then sleeps until the next ReadyAt or
// expiry, or a kick.
func (s *Server) janitor() {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		next, pending := s.sweep()
		timer.Stop()
		var tc <-chan time.Time
		if pending {
			d := next.Sub(s.now())
			if d < time.Millisecond {
				d = time.Millisecond
			}
			timer.Reset(d)
			tc = timer.C
		}
		select {
		case <-s.stop:
			return
		case <-s.ctl.wake:
		case <-tc:
		}
	}
}

// sweep finishes every due transition, removes expired closed shards and
// returns the earliest time one of those is pending.
func (s *Server) sweep() (next time.Time, pending bool) {
	now := s.now()
	if err := s.expireShards(); err != nil {
		s.logger.Error("expire closed shards", "err", err)
		next, pending = now.Add(time.Second), true // retry later rather than spin
	}
	for _, st := range s.meta.Streams() {
		if at, ok := nextExpiry(st, now); ok && (!pending || at.Before(next)) {
			next, pending = at, true
		}
		switch st.Status {
		case meta.StatusActive:
			continue
		case meta.StatusDeleting:
			if !now.Before(st.ReadyAt) {
				if err := s.finishDelete(st.Name, st.UID); err != nil {
					s.logger.Error("finish stream deletion", "stream", st.Name, "err", err)
					// Retry later rather than spin.
					st = &meta.Stream{ReadyAt: now.Add(time.Second)}
				} else {
					continue
				}
			}
		default: // CREATING, UPDATING
			if !now.Before(st.ReadyAt) {
				if err := s.persistActive(st.Name, st.UID); err != nil {
					s.logger.Error("persist stream state", "stream", st.Name, "err", err)
				}
				continue
			}
		}
		if !pending || st.ReadyAt.Before(next) {
			next, pending = st.ReadyAt, true
		}
	}
	return next, pending
}

// errNoChange aborts an UpdateStream callback that found nothing to do.
var errNoChange = errors.New("kinesis: no change")

// persistActive stores ACTIVE for a CREATING or UPDATING stream whose time
// has come.
func (s *Server) persistActive(name string, uid uint64) error {
	_, err := s.meta.UpdateStream(name, func(st *meta.Stream) error {
		if st.UID != uid || st.Status == meta.StatusActive || st.Status == meta.StatusDeleting || s.now().Before(st.ReadyAt) {
			return errNoChange
		}
		st.Status = meta.StatusActive
		return nil
	})
	if errors.Is(err, errNoChange) || errors.Is(err, meta.ErrStreamNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("persist %s ACTIVE: %w", name, err)
	}
	return nil
}

// finishDelete removes a due DELETING stream: first its shards' data (the
// new shards of a reshard left half done included, then that reshard's
// intent), then its catalogue entry, so a crash in between leaves a
// DELETING stream the next start finishes.
func (s *Server) finishDelete(name string, uid uint64) error {
	s.ctl.mu.Lock()
	defer s.ctl.mu.Unlock()
	return s.finishDeleteLocked(name, uid)
}

// finishDeleteLocked is finishDelete. s.ctl.mu should be held.
func (s *Server) finishDeleteLocked(name string, uid uint64) error {
	st, ok := s.meta.Stream(name)
	if !ok || st.UID != uid || !gone(st, s.now()) {
		return nil
	}
	// A reshard left half done (say its Seal found the disk full) has
	// children in the log that meta does not list yet.
	in := new(reshardIntent)
	found, err := s.meta.Get(reshardNS, intentKey(uid), in)
	if err != nil {
		return fmt.Errorf("read reshard intent of %s: %w", name, err)
	}
	if found {
		if err := s.dropOrphanReshard(in); err != nil {
			return err
		}
	}
	for _, sh := range st.Shards {
		err := s.log.DeleteShard(shardlog.ShardID{Stream: st.UID, Shard: sh.Index})
		if err != nil && !errors.Is(err, shardlog.ErrShardNotFound) {
			return fmt.Errorf("delete shard %d of %s: %w", sh.Index, name, err)
		}
	}
	if err := s.dropConsumers(st.UID); err != nil {
		return fmt.Errorf("delete consumers of %s: %w", name, err)
	}
	for _, ns := range []string{settingsNS, policyNS, reshardNS} {
		if _, err := s.meta.DeletePrefix(ns, fmt.Sprintf("%016x", st.UID)); err != nil {
			return fmt.Errorf("delete %s of %s: %w", ns, name, err)
		}
	}
	if err := s.meta.DeleteStream(name); err != nil && !errors.Is(err, meta.ErrStreamNotFound) {
		return fmt.Errorf("delete stream %s: %w", name, err)
	}
	s.logger.Debug("stream deleted", "stream", name, "uid", uid)
	return nil
}

// shardIDOf renders a shard index as AWS does: shardId-000000000000.
func shardIDOf(index uint32) string { return fmt.Sprintf("shardId-%012d", index) }

// shardIndexOf parses a shard id; AWS also accepts the bare number and a
// short "shardId-1" form, so this does too.
func shardIndexOf(id string) (uint32, bool) {
	id = strings.TrimPrefix(id, "shardId-")
	if id == "" || len(id) > 20 {
		return 0, false
	}
	n, err := strconv.ParseUint(id, 10, 32)
	if err != nil {
		return 0, false
	}
	return uint32(n), true
}

// shardAfter reports whether shard index idx sorts after the exclusive start
// id. Ids that are not rheo's compare as strings, as AWS does.
func shardAfter(idx uint32, start string) bool {
	if n, ok := shardIndexOf(start); ok {
		return idx > n
	}
	return shardIDOf(idx) > start
}

// wireShard renders a stored shard.
func wireShard(sh *meta.Shard) wire.Shard {
	out := wire.Shard{
		ShardId:      shardIDOf(sh.Index),
		HashKeyRange: wire.HashKeyRange{StartingHashKey: sh.HashKeyStart, EndingHashKey: sh.HashKeyEnd},
		SequenceNumberRange: wire.SequenceNumberRange{
			StartingSequenceNumber: seqnum.Start(sh.Index),
		},
	}
	if sh.Parent != nil {
		p := shardIDOf(*sh.Parent)
		out.ParentShardId = &p
	}
	if sh.AdjacentParent != nil {
		p := shardIDOf(*sh.AdjacentParent)
		out.AdjacentParentShardId = &p
	}
	if sh.Closed {
		// The last record's number; the starting number for an empty shard
		// (AWS, too, shows ending = starting then).
		e := string(seqnum.AppendBefore(nil, sh.Index, sh.End))
		out.SequenceNumberRange.EndingSequenceNumber = &e
	}
	return out
}

// modeDetails renders a stream's capacity mode.
func modeDetails(st *meta.Stream) *wire.StreamModeDetails {
	m := st.Mode
	if m == "" {
		m = meta.ModeProvisioned
	}
	return &wire.StreamModeDetails{StreamMode: &m}
}

// streamEncryption renders a stream's encryption type and key.
func streamEncryption(st *meta.Stream) (string, *string) {
	if st.EncryptionType == "" || st.EncryptionType == "NONE" {
		return "NONE", nil
	}
	k := st.KeyID
	return st.EncryptionType, &k
}

// openShardCount counts the open shards of every stream that still exists.
func (s *Server) openShardCount() (shards, onDemandStreams int) {
	now := s.now()
	for _, st := range s.meta.Streams() {
		if gone(st, now) {
			continue
		}
		for i := range st.Shards {
			if !st.Shards[i].Closed {
				shards++
			}
		}
		if st.Mode == meta.ModeOnDemand {
			onDemandStreams++
		}
	}
	return shards, onDemandStreams
}

// pageToken is the signed content of a NextToken.
type pageToken struct {
	Kind   string `json:"k"`           // "shards" or "streams"
	Stream string `json:"s,omitempty"` // stream name (ListShards) or last name listed (ListStreams)
	UID    uint64 `json:"u,omitempty"`
	After  int64  `json:"a"`           // last shard index listed, -1 for none
	Filter string `json:"f,omitempty"` // ShardFilter type
	At     int64  `json:"t,omitempty"` // filter timestamp, ms
	Issued int64  `json:"i"`           // ms since the epoch
}

// encodeToken signs and encodes t.
func (s *Server) encodeToken(t *pageToken) string {
	b, _ := json.Marshal(t)
	m := hmac.New(sha256.New, s.ctl.tokenKey)
	m.Write(b)
	return base64.RawURLEncoding.EncodeToString(append(m.Sum(nil)[:16], b...))
}

// decodeToken checks and decodes a token of the given kind.
func (s *Server) decodeToken(tok, kind string) (*pageToken, error) {
	bad := wire.InvalidArgument("Invalid NextToken.")
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(raw) < 17 {
		return nil, bad
	}
	m := hmac.New(sha256.New, s.ctl.tokenKey)
	m.Write(raw[16:])
	if !hmac.Equal(m.Sum(nil)[:16], raw[:16]) {
		return nil, bad
	}
	var t pageToken
	if err := json.Unmarshal(raw[16:], &t); err != nil || t.Kind != kind {
		return nil, bad
	}
	return &t, nil
}
