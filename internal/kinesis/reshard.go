// Resharding machinery shared by SplitShard, MergeShards and
// UpdateShardCount: planning (which shards close, which are made), the
// crash-safe protocol that applies a plan to the shard log and the
// metadata, its recovery, the re-routing of puts that raced with a reshard,
// and the expiry of closed shards.
//
// # The protocol
//
// A reshard touches two stores that cannot commit together: the shard log
// (seal the parents, create the children) and meta (close the parents with
// their ending offsets, add the children, which also switches routing).
// Under controlState.mu, so reshards, stream creation and deletion never
// interleave, it runs these steps:
//
//  1. Persist an intent record in meta (namespace reshardNS, key
//     "<uid:016x>/intent"): the parents and every new shard with its index,
//     range and lineage. From here on the reshard is decided: recovery
//     always rolls it forward, never back (a sealed shard cannot reopen).
//  2. Create the new shards in the log (ErrShardExists is fine) and seal the
//     short-lived ones UpdateShardCount closes at once.
//  3. Seal the parents in the log (idempotent); their Next gives the real
//     ending offsets.
//  4. One meta.UpdateStream closes the parents, adds the children, advances
//     NextShardIndex and puts the stream in UPDATING. Routing switches to
//     the children atomically with this commit.
//  5. Delete the intent.
//
// Children exist in the log before routing can reach them (2 before 4), so
// a put never meets a missing shard. A put that loaded the old routing and
// reaches a parent after step 3 gets shardlog.ErrShardClosed; appendRerouted
// waits for the reshard to finish (it takes controlState.mu) and appends
// those records again on the new routing, so the client never sees the
// race. Records of one partition key stay in order: a child's sequence
// numbers are above all of its parents' (its index is greater).
//
// Recovery (recoverReshards, at New; settleReshard, from the put path; and
// reshardTarget, before the next reshard of the stream is planned)
// finishes any intent left by a crash or by a step that failed, such as a
// Seal that found the disk full (the call answers InternalFailure, the
// stream stays ACTIVE with its old shards, and the parent refuses appends,
// so puts to its range come through appendRerouted and retry the reshard
// until there is space): steps 2-5 are idempotent and step 4
// is skipped when meta already lists the children. If the stream was
// deleted meanwhile, or its deletion is due, the children made in step 2
// are deleted instead, then the intent; finishDeleteLocked does the same
// before it removes the stream's own shards, so a reshard left half done
// (the children exist in the log but meta does not list them) leaks
// nothing past the deletion.
//
// Rejected designs: switching routing before sealing (meta would show
// closed parents without their ending offsets until a second commit), and
// creating the children after the meta commit (routing would point at
// shards the log does not have yet).
//
// # Closed shards
//
// A closed shard shows EndingSequenceNumber = seqnum.Encode(index, last
// offset). A parent closed before it took any record has no last offset;
// rheo then shows its StartingSequenceNumber as its EndingSequenceNumber
// (AWS also always sets EndingSequenceNumber on a closed shard, which is
// what the KCL, Flink and Spark test for; they never read it as a record).
// A closed shard expires once all its records are past the retention
// period, that is once ClosedAt is older than the trim horizon: ListShards
// and DescribeStream hide it from then on, GetShardIterator, GetRecords and
// SubscribeToShard answer ResourceNotFoundException as for a shard that
// never existed (as AWS does for an EXPIRED shard), and expireShards, run
// by the janitor when the shard expires (nextExpiry) as well as by
// ListShards, resharding and New, deletes its log files and then its
// metadata (log first: a crash in between leaves a shard repairShards
// recreates empty and the next sweep removes).
//
// # Known gaps vs AWS
//
// Children appear as soon as the call returns (AWS makes them some time
// during UPDATING); the stream stays UPDATING for Config.StateDelay.
// The short-lived shards of UpdateShardCount do not count against the
// account shard quota.
package kinesis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rheo-dev/rheo/internal/kinesis/wire"
	"github.com/rheo-dev/rheo/internal/meta"
	"github.com/rheo-dev/rheo/internal/shardlog"
)

// reshardNS is the meta namespace of reshard intents and of the rolling
// 24-hour call counts of UpdateShardCount and UpdateStreamMode.
const reshardNS = "kinesis-reshard"

// Limits of the resharding actions, as AWS documents them.
const (
	// maxShardCountUpdatesPerDay is how many UpdateShardCount calls a
	// stream may make per rolling 24 hours.
	maxShardCountUpdatesPerDay = 10
	// maxModeSwitchesPerDay is how many capacity-mode switches a stream may
	// make per rolling 24 hours.
	maxModeSwitchesPerDay = 2
	// maxStreamShards is the most shards UpdateShardCount scales a stream
	// to.
	maxStreamShards = 10000
	// maxTargetShardCount is the model's bound on TargetShardCount.
	maxTargetShardCount = 100000
	// rateWindow is the rolling window of the per-stream call limits.
	rateWindow = 24 * time.Hour
)

// reshardIntent is the durable record of a decided reshard (step 1).
type reshardIntent struct {
	Stream string `json:"stream"`
	UID    uint64 `json:"uid"`
	// Parents are the open shards the reshard closes.
	Parents []uint32 `json:"parents"`
	// Shards are the new shards in index order; the short-lived ones of a
	// multi-step UpdateShardCount are already Closed.
	Shards []meta.Shard `json:"shards"`
}

func intentKey(uid uint64) string { return fmt.Sprintf("%016x/intent", uid) }

// reshardStep names the protocol's steps for crash tests.
type reshardStep string

const (
	stepIntent  reshardStep = "intent"  // after step 1
	stepCreated reshardStep = "created" // after step 2
	stepSealed  reshardStep = "sealed"  // after step 3
	stepMeta    reshardStep = "meta"    // after step 4
)

// reshardHookKey carries a test hook in the context: it is called after
// each step, and an error from it stops the protocol there, as a crash
// would.
type reshardHookKey struct{}

func reshardHookOf(ctx context.Context) func(reshardStep) error {
	if h, ok := ctx.Value(reshardHookKey{}).(func(reshardStep) error); ok {
		return h
	}
	return func(reshardStep) error { return nil }
}

// planner builds a reshard plan from a stream's open shards.
type planner struct {
	st      *meta.Stream
	at      time.Time
	next    uint32
	parents []uint32
	shards  []meta.Shard
}

func newPlanner(st *meta.Stream, at time.Time) *planner {
	return &planner{st: st, at: at, next: st.NextShardIndex}
}

// piece is a hash range held by an open shard, old or planned.
type piece struct {
	start, end uint128
	index      uint32
}

// add plans a new shard and returns its piece.
func (p *planner) add(start, end uint128, parent uint32, adjacent *uint32) piece {
	par := parent
	sh := meta.Shard{
		Index:        p.next,
		Parent:       &par,
		HashKeyStart: start.String(),
		HashKeyEnd:   end.String(),
		CreatedAt:    p.at,
	}
	if adjacent != nil {
		a := *adjacent
		sh.AdjacentParent = &a
	}
	p.shards = append(p.shards, sh)
	p.next++
	return piece{start: start, end: end, index: sh.Index}
}

// close plans the closing of the shard of pc: an existing shard becomes a
// parent, a shard of this plan a short-lived one.
func (p *planner) close(pc piece) {
	if pc.index < p.st.NextShardIndex {
		p.parents = append(p.parents, pc.index)
		return
	}
	sh := &p.shards[pc.index-p.st.NextShardIndex]
	sh.Closed, sh.ClosedAt = true, p.at
}

// split plans SplitShard of pc at key (pc.start < key <= pc.end) and
// returns the two children.
func (p *planner) split(pc piece, key uint128) (left, right piece) {
	p.close(pc)
	left = p.add(pc.start, key.sub1(), pc.index, nil)
	right = p.add(key, pc.end, pc.index, nil)
	return left, right
}

// merge plans MergeShards of a and its adjacent b (either order) and
// returns the child, whose parent is a and adjacent parent b.
func (p *planner) merge(a, b piece) piece {
	p.close(a)
	p.close(b)
	start, end := a.start, b.end
	if b.start.cmp(a.start) < 0 {
		start, end = b.start, a.end
	}
	return p.add(start, end, a.index, &b.index)
}

// intent returns the plan as an intent record.
func (p *planner) intent() *reshardIntent {
	return &reshardIntent{Stream: p.st.Name, UID: p.st.UID, Parents: p.parents, Shards: p.shards}
}

// openPieces returns st's open shards sorted by range start.
func openPieces(st *meta.Stream) ([]piece, error) {
	var out []piece
	for i := range st.Shards {
		sh := &st.Shards[i]
		if sh.Closed {
			continue
		}
		pc, err := pieceOf(sh)
		if err != nil {
			return nil, err
		}
		out = append(out, pc)
	}
	slices.SortFunc(out, func(a, b piece) int { return a.start.cmp(b.start) })
	return out, nil
}

func pieceOf(sh *meta.Shard) (piece, error) {
	start, err := parseHashKey(sh.HashKeyStart)
	if err != nil {
		return piece{}, fmt.Errorf("shard %d: start %q: %w", sh.Index, sh.HashKeyStart, err)
	}
	end, err := parseHashKey(sh.HashKeyEnd)
	if err != nil {
		return piece{}, fmt.Errorf("shard %d: end %q: %w", sh.Index, sh.HashKeyEnd, err)
	}
	return piece{start: start, end: end, index: sh.Index}, nil
}

// planUniform plans UpdateShardCount's UNIFORM_SCALING as AWS does it, by
// splits and merges: first every open shard is split at each boundary of
// the uniform target ranges that falls inside it (the right part of a
// split that is split again is a short-lived shard), then the pieces of
// each target range are merged left to right. Open shards that already
// equal a target range are left alone. The result's open shards are
// exactly splitHashSpace(target).
func planUniform(st *meta.Stream, at time.Time, target int) (*planner, error) {
	open, err := openPieces(st)
	if err != nil {
		return nil, err
	}
	ranges := splitHashSpace(target)
	p := newPlanner(st, at)
	var pieces []piece
	t := 0 // index of the target range holding the current piece's start
	for _, pc := range open {
		for t+1 < len(ranges) && ranges[t+1][0].cmp(pc.start) <= 0 {
			t++
		}
		for t+1 < len(ranges) && ranges[t+1][0].cmp(pc.end) <= 0 {
			var left piece
			left, pc = p.split(pc, ranges[t+1][0])
			pieces = append(pieces, left)
			t++
		}
		pieces = append(pieces, pc)
	}
	// Every piece now lies inside one target range; merge each range's run.
	for i := 0; i < len(pieces); {
		acc := pieces[i]
		j := i + 1
		for ; j < len(pieces) && targetRangeOf(ranges, pieces[j].start) == targetRangeOf(ranges, acc.start); j++ {
			acc = p.merge(acc, pieces[j])
		}
		i = j
	}
	return p, nil
}

// targetRangeOf returns the index of the range of ranges holding key.
func targetRangeOf(ranges [][2]uint128, key uint128) int {
	i, _ := slices.BinarySearchFunc(ranges, key, func(r [2]uint128, k uint128) int {
		if r[1].cmp(k) < 0 {
			return -1
		}
		if r[0].cmp(k) > 0 {
			return 1
		}
		return 0
	})
	return i
}

// reshard runs the protocol for in and returns the stream's new snapshot.
// s.ctl.mu should be held.
func (s *Server) reshardLocked(ctx context.Context, in *reshardIntent) (*meta.Stream, error) {
	if err := s.meta.Put(reshardNS, intentKey(in.UID), in); err != nil {
		return nil, fmt.Errorf("persist reshard intent of %s: %w", in.Stream, err)
	}
	hook := reshardHookOf(ctx)
	if err := hook(stepIntent); err != nil {
		return nil, err
	}
	return s.finishReshardLocked(context.WithoutCancel(ctx), in, hook)
}

// finishReshardLocked runs steps 2-5 for a persisted intent; each step is
// idempotent, so it also completes an intent a crash left behind.
// s.ctl.mu should be held.
func (s *Server) finishReshardLocked(ctx context.Context, in *reshardIntent, hook func(reshardStep) error) (*meta.Stream, error) {
	st, ok := s.meta.Stream(in.Stream)
	if !ok || st.UID != in.UID || gone(st, s.now()) {
		// The stream is gone, or its deletion is due (finishDeleteLocked
		// may have begun removing its shards, so rolling forward could
		// meet a missing parent): the new shards belong to no one.
		if err := s.dropOrphanReshard(in); err != nil {
			return nil, err
		}
		return nil, s.notFound(in.Stream)
	}
	if len(in.Shards) > 0 {
		if _, done := findShard(st, in.Shards[0].Index); !done {
			var err error
			if st, err = s.applyIntent(ctx, st, in, hook); err != nil {
				return nil, err
			}
		}
	}
	if err := s.dropIntent(in.UID); err != nil {
		return nil, err
	}
	s.kickJanitor()
	return st, nil
}

// applyIntent runs steps 2-4.
func (s *Server) applyIntent(ctx context.Context, st *meta.Stream, in *reshardIntent, hook func(reshardStep) error) (*meta.Stream, error) {
	retention := time.Duration(st.RetentionHours) * time.Hour
	for _, sh := range in.Shards {
		id := shardlog.ShardID{Stream: in.UID, Shard: sh.Index}
		err := s.log.CreateShard(id, shardlog.ShardConfig{Retention: retention})
		if err != nil && !errors.Is(err, shardlog.ErrShardExists) {
			return nil, fmt.Errorf("create shard %s: %w", id, err)
		}
		if sh.Closed {
			if _, err := s.log.Seal(ctx, id); err != nil {
				return nil, fmt.Errorf("seal short-lived shard %s: %w", id, err)
			}
		}
	}
	if err := hook(stepCreated); err != nil {
		return nil, err
	}
	ends := make(map[uint32]uint64, len(in.Parents))
	for _, p := range in.Parents {
		id := shardlog.ShardID{Stream: in.UID, Shard: p}
		info, err := s.log.Seal(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("seal parent %s: %w", id, err)
		}
		ends[p] = info.Next
	}
	if err := hook(stepSealed); err != nil {
		return nil, err
	}
	// The parents close and the children start at the commit, to the
	// millisecond as Kinesis timestamps go: every parent record arrived at
	// or before it (they are sealed), every child record at or after it.
	at := s.now().Truncate(time.Millisecond)
	updated, err := s.meta.UpdateStream(in.Stream, func(cur *meta.Stream) error {
		if cur.UID != in.UID {
			return meta.ErrStreamNotFound
		}
		for _, p := range in.Parents {
			sh, ok := findShard(cur, p)
			if !ok || sh.Closed {
				return fmt.Errorf("parent shard %d of %s is missing or already closed", p, cur.Name)
			}
			sh.Closed, sh.ClosedAt, sh.End = true, at, ends[p]
		}
		for _, sh := range in.Shards {
			sh = cloneShard(sh)
			sh.CreatedAt = at
			if sh.Closed {
				sh.ClosedAt = at
			}
			cur.Shards = append(cur.Shards, sh)
			cur.NextShardIndex = max(cur.NextShardIndex, sh.Index+1)
		}
		slices.SortFunc(cur.Shards, func(a, b meta.Shard) int { return cmpIndex(a.Index, b.Index) })
		if cur.Status != meta.StatusDeleting {
			s.beginTransition(cur, meta.StatusUpdating)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("commit reshard of %s: %w", in.Stream, err)
	}
	if err := hook(stepMeta); err != nil {
		return nil, err
	}
	// A retention change that ran between steps 2 and 4 did not see the
	// new shards.
	if updated.RetentionHours != st.RetentionHours {
		d := time.Duration(updated.RetentionHours) * time.Hour
		for _, sh := range in.Shards {
			if err := s.log.SetRetention(shardlog.ShardID{Stream: in.UID, Shard: sh.Index}, d); err != nil {
				return nil, fmt.Errorf("set retention of shard %d: %w", sh.Index, err)
			}
		}
	}
	return updated, nil
}

func cmpIndex(a, b uint32) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cloneShard(sh meta.Shard) meta.Shard {
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

// dropOrphanReshard undoes the log side of the reshard in of a stream
// that is gone: it deletes the new shards, then the intent, so a crash in
// between leaves the intent for the next start to finish.
func (s *Server) dropOrphanReshard(in *reshardIntent) error {
	var errs []error
	for _, sh := range in.Shards {
		err := s.log.DeleteShard(shardlog.ShardID{Stream: in.UID, Shard: sh.Index})
		if err != nil && !errors.Is(err, shardlog.ErrShardNotFound) {
			errs = append(errs, fmt.Errorf("delete orphan shard %d of %s: %w", sh.Index, in.Stream, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return s.dropIntent(in.UID)
}

func (s *Server) dropIntent(uid uint64) error {
	if err := s.meta.Delete(reshardNS, intentKey(uid)); err != nil && !errors.Is(err, meta.ErrNotFound) {
		return fmt.Errorf("drop reshard intent: %w", err)
	}
	return nil
}

// recoverReshards finishes every reshard a crash interrupted and removes
// expired closed shards. New calls it before repairShards.
func (s *Server) recoverReshards() error {
	s.ctl.mu.Lock()
	defer s.ctl.mu.Unlock()
	var intents []*reshardIntent
	err := s.meta.Scan(reshardNS, "", func(key string, value []byte) error {
		if !strings.HasSuffix(key, "/intent") {
			return nil
		}
		in := new(reshardIntent)
		if err := json.Unmarshal(value, in); err != nil {
			return fmt.Errorf("decode reshard intent %s: %w", key, err)
		}
		intents = append(intents, in)
		return nil
	})
	if err != nil {
		return fmt.Errorf("scan reshard intents: %w", err)
	}
	var errs []error
	for _, in := range intents {
		s.logger.Warn("finishing reshard interrupted by a crash", "stream", in.Stream, "parents", in.Parents, "shards", len(in.Shards))
		_, err := s.finishReshardLocked(context.Background(), in, reshardHookOf(context.Background()))
		switch {
		case err == nil || errors.Is(err, wire.ErrResourceNotFound):
		case shardlog.IsNoSpace(err):
			// The intent stays, decided, as after a reshard call that
			// failed for want of space: the next reshard call of the
			// stream (reshardTarget) or a put its parent refuses
			// (appendRerouted) finishes it once there is space. Refusing
			// to start would keep the stored records unreadable.
			s.logger.Error("cannot finish an interrupted reshard for want of space; it finishes once there is space",
				"stream", in.Stream, "err", err)
		default:
			errs = append(errs, fmt.Errorf("recover reshard of %s: %w", in.Stream, err))
		}
	}
	if err := s.expireShardsLocked(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// settleReshard waits for a reshard of stream uid in progress to finish
// (it holds s.ctl.mu) and completes one a crash left half done, so that
// meta's routing matches the log again.
func (s *Server) settleReshard(uid uint64) error {
	s.ctl.mu.Lock()
	defer s.ctl.mu.Unlock()
	return s.settleReshardLocked(uid)
}

// settleReshardLocked completes a reshard of stream uid left half done (a
// crash, or a step that failed, such as a Seal on a full disk).
// s.ctl.mu should be held.
func (s *Server) settleReshardLocked(uid uint64) error {
	in := new(reshardIntent)
	found, err := s.meta.Get(reshardNS, intentKey(uid), in)
	if err != nil {
		return fmt.Errorf("read reshard intent: %w", err)
	}
	if !found {
		return nil
	}
	_, err = s.finishReshardLocked(context.Background(), in, reshardHookOf(context.Background()))
	return err
}

// placed is where appendRerouted put one record, or why it could not.
type placed struct {
	shard     uint32
	offset    uint64
	encrypted bool // sealed at rest (shardlog.AppendResult.Encrypted)
	err       error
}

// maxRerouteRounds bounds appendRerouted: each round follows one reshard
// that closed the shards the previous round chose.
const maxRerouteRounds = 8

// appendRerouted is for PutRecord and PutRecords: call it with the entries
// whose append failed with shardlog.ErrShardClosed (a reshard closed their
// shard after the caller routed them). It waits for that reshard to finish,
// routes the entries again on the stream's new routing, keeping their
// order within each shard, and appends them. It returns one result per
// entry. The stream is named by name and uid, as routed.
func (s *Server) appendRerouted(ctx context.Context, name string, uid uint64, entries []shardlog.Entry) []placed {
	out := make([]placed, len(entries))
	pending := make([]int, len(entries))
	for i := range pending {
		pending[i] = i
	}
	for round := 0; len(pending) > 0; round++ {
		fail := func(err error) []placed {
			for _, i := range pending {
				out[i].err = err
			}
			return out
		}
		if round == maxRerouteRounds {
			return fail(fmt.Errorf("stream %s: records still routed to closed shards after %d rounds: %w", name, round, shardlog.ErrShardClosed))
		}
		if err := s.settleReshard(uid); err != nil {
			return fail(err)
		}
		st, ok := s.meta.Stream(name)
		if !ok || st.UID != uid {
			return fail(s.notFound(name))
		}
		table, err := s.data.routes.table(st)
		if err != nil {
			return fail(err)
		}
		// Group by shard, keeping entry order within each group.
		groups := make(map[uint32][]int)
		var order []uint32
		for _, i := range pending {
			key, err := entryHashKey(&entries[i])
			if err != nil {
				out[i].err = err
				continue
			}
			p := table.lookup(key)
			if p < 0 {
				out[i].err = fmt.Errorf("stream %s: no open shard holds hash key %s", name, key)
				continue
			}
			sh := table.routes[p].shard
			if _, seen := groups[sh]; !seen {
				order = append(order, sh)
			}
			groups[sh] = append(groups[sh], i)
		}
		var again []int
		for _, sh := range order {
			idx := groups[sh]
			batch := make([]shardlog.Entry, len(idx))
			for k, i := range idx {
				batch[k] = entries[i]
			}
			res, err := s.log.Append(ctx, shardlog.ShardID{Stream: uid, Shard: sh}, batch)
			switch {
			case errors.Is(err, shardlog.ErrShardClosed):
				again = append(again, idx...)
			case err != nil:
				for _, i := range idx {
					out[i].err = err
				}
			default:
				for k, i := range idx {
					out[i] = placed{shard: sh, offset: res.FirstOffset + uint64(k), encrypted: res.Encrypted}
				}
			}
		}
		slices.Sort(again)
		pending = again
	}
	return out
}

// entryHashKey is the hash key a stored entry routes by.
func entryHashKey(e *shardlog.Entry) (uint128, error) {
	if e.ExplicitHashKey != nil {
		k, err := parseHashKey(string(e.ExplicitHashKey))
		if err != nil {
			return uint128{}, invalidHashKey(string(e.ExplicitHashKey))
		}
		return k, nil
	}
	return hashKeyOf(e.PartitionKey), nil
}

// shardExpired reports whether sh is a closed shard whose records have all
// passed st's retention: it closed before the trim horizon.
func shardExpired(st *meta.Stream, sh *meta.Shard, now time.Time) bool {
	return sh.Closed && sh.ClosedAt.Before(now.Add(-time.Duration(st.RetentionHours)*time.Hour))
}

// hasExpired reports whether st has an expired closed shard.
func hasExpired(st *meta.Stream, now time.Time) bool {
	for i := range st.Shards {
		if shardExpired(st, &st.Shards[i], now) {
			return true
		}
	}
	return false
}

// nextExpiry is when the next closed shard of st expires (the janitor
// wakes then), if one is still to expire.
func nextExpiry(st *meta.Stream, now time.Time) (time.Time, bool) {
	if gone(st, now) {
		return time.Time{}, false
	}
	var next time.Time
	found := false
	ret := time.Duration(st.RetentionHours) * time.Hour
	for i := range st.Shards {
		sh := &st.Shards[i]
		if !sh.Closed || shardExpired(st, sh, now) {
			continue
		}
		// shardExpired is strict: a millisecond later it holds.
		at := sh.ClosedAt.Add(ret + time.Millisecond)
		if !found || at.Before(next) {
			next, found = at, true
		}
	}
	return next, found
}

// expireShards removes expired closed shards of every stream.
func (s *Server) expireShards() error {
	now := s.now()
	due := false
	for _, st := range s.meta.Streams() {
		if hasExpired(st, now) {
			due = true
			break
		}
	}
	if !due {
		return nil
	}
	s.ctl.mu.Lock()
	defer s.ctl.mu.Unlock()
	return s.expireShardsLocked()
}

// expireShardsLocked removes expired closed shards: their log files first,
// then their metadata. s.ctl.mu should be held.
func (s *Server) expireShardsLocked() error {
	now := s.now()
	var errs []error
	for _, st := range s.meta.Streams() {
		if gone(st, now) || !hasExpired(st, now) {
			continue
		}
		var drop []uint32
		for i := range st.Shards {
			sh := &st.Shards[i]
			if !shardExpired(st, sh, now) {
				continue
			}
			err := s.log.DeleteShard(shardlog.ShardID{Stream: st.UID, Shard: sh.Index})
			if err != nil && !errors.Is(err, shardlog.ErrShardNotFound) {
				errs = append(errs, fmt.Errorf("delete expired shard %d of %s: %w", sh.Index, st.Name, err))
				continue
			}
			drop = append(drop, sh.Index)
		}
		if len(drop) == 0 {
			continue
		}
		_, err := s.meta.UpdateStream(st.Name, func(cur *meta.Stream) error {
			if cur.UID != st.UID {
				return errNoChange
			}
			cur.Shards = slices.DeleteFunc(cur.Shards, func(sh meta.Shard) bool { return slices.Contains(drop, sh.Index) })
			return nil
		})
		if err != nil && !errors.Is(err, errNoChange) && !errors.Is(err, meta.ErrStreamNotFound) {
			errs = append(errs, fmt.Errorf("drop expired shards of %s: %w", st.Name, err))
			continue
		}
		s.logger.Debug("expired closed shards removed", "stream", st.Name, "shards", drop)
	}
	return errors.Join(errs...)
}

// rateKey is the meta key of a stream's recent calls of one kind.
func rateKey(uid uint64, kind string) string { return fmt.Sprintf("%016x/rate-%s", uid, kind) }

// recentCalls returns the times (ms) of the stream's calls of kind within
// the rolling window.
func (s *Server) recentCalls(uid uint64, kind string, now time.Time) ([]int64, error) {
	var calls []int64
	if _, err := s.meta.Get(reshardNS, rateKey(uid, kind), &calls); err != nil {
		return nil, fmt.Errorf("read %s calls: %w", kind, err)
	}
	cut := now.Add(-rateWindow).UnixMilli()
	return slices.DeleteFunc(calls, func(ms int64) bool { return ms <= cut }), nil
}

// recordCall adds a call at now to calls and persists them.
func (s *Server) recordCall(uid uint64, kind string, calls []int64, now time.Time) error {
	if err := s.meta.Put(reshardNS, rateKey(uid, kind), append(calls, now.UnixMilli())); err != nil {
		return fmt.Errorf("record %s call: %w", kind, err)
	}
	return nil
}

// reshardTarget re-reads the stream under s.ctl.mu, after removing expired
// shards, and checks what every resharding action needs: the stream still
// exists, is ACTIVE and PROVISIONED. s.ctl.mu should be held.
func (s *Server) reshardTarget(name string, uid uint64) (*meta.Stream, error) {
	if err := s.expireShardsLocked(); err != nil {
		s.logger.Warn("expire closed shards", "err", err)
	}
	// A reshard that failed after its intent (say its Seal found the disk
	// full) is decided: it finishes before another is planned. Planning
	// from meta without it would reuse its new shards' indexes and
	// overwrite its intent, leaving its parents refusing appends (their
	// Seal had begun) while meta routes to them, until a restart.
	if err := s.settleReshardLocked(uid); err != nil {
		return nil, fmt.Errorf("finish the earlier reshard of %s: %w", name, err)
	}
	st, ok := s.meta.Stream(name)
	if !ok || st.UID != uid || gone(st, s.now()) {
		return nil, s.notFound(name)
	}
	if err := s.requireActive(st); err != nil {
		return nil, err
	}
	if st.Mode == meta.ModeOnDemand {
		return nil, wire.ValidationMessage("Request is invalid. Stream %s under account %s is in On-Demand mode.", st.Name, s.cfg.Account)
	}
	return st, nil
}

// lookupShard resolves a shard id of st for SplitShard and MergeShards,
// with AWS's ResourceNotFoundException and InvalidArgumentException (a
// closed shard), and returns its normalised id.
func (s *Server) lookupShard(st *meta.Stream, id string) (*meta.Shard, string, error) {
	idx, ok := parseShardID(id)
	if !ok {
		return nil, id, wire.ResourceNotFound("Could not find shard %s in stream %s under account %s.", id, st.Name, s.cfg.Account)
	}
	norm := shardIDString(idx)
	sh, ok := findShard(st, idx)
	if !ok {
		return nil, norm, wire.ResourceNotFound("Could not find shard %s in stream %s under account %s.", norm, st.Name, s.cfg.Account)
	}
	if sh.Closed {
		return nil, norm, wire.InvalidArgument("Shard %s in stream %s under account %s has already been merged or split, and thus is not eligible for merging or splitting.", norm, st.Name, s.cfg.Account)
	}
	return sh, norm, nil
}

// shardQuotaError is AWS's LimitExceededException for the account shard
// quota, as CreateStream words it.
func (s *Server) shardQuotaError(ctx context.Context, open, extra int) error {
	return wire.LimitExceeded("This request would exceed the shard limit for the account %s in %s. "+
		"Current shard count for the account: %d. Limit: %d. Number of additional shards that would have resulted from this request: %d. "+
		"Refer to the AWS Service Limits page (http://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) for current limits and how to request higher limits.",
		s.cfg.Account, requestInfo(ctx).Region, open, s.cfg.ShardLimit, extra)
}
