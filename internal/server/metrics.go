package server

import (
	"cmp"
	"crypto/subtle"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/rheo-dev/rheo/internal/auth"
	"github.com/rheo-dev/rheo/internal/meta"
	"github.com/rheo-dev/rheo/internal/metrics"
	"github.com/rheo-dev/rheo/internal/shardlog"
)

// GET /metrics: the server's Prometheus registry (docs/metrics.md). The
// Kinesis API records into it on its hot paths, the shard log reports
// fsync latency to it, SQL adapters count statements; delivery health and
// disk usage are read at scrape time by the collectors below.

// newMetrics makes the server's registry. Stream liveness comes from the
// metadata snapshot (lock-free), so series of deleted streams disappear
// at the next scrape; consumer liveness from the Kinesis API once it runs.
func (s *Server) newMetrics() *metrics.Registry {
	return metrics.New(metrics.Options{
		StreamLive: func(name string, uid uint64) bool {
			st, ok := s.meta.Stream(name)
			return ok && st.UID == uid
		},
		// A closed shard past the retention period leaves meta when the
		// Kinesis API expires it (its Shards are in index order).
		ShardLive: func(name string, uid uint64, shard uint32) bool {
			st, ok := s.meta.Stream(name)
			if !ok || st.UID != uid {
				return false
			}
			_, found := slices.BinarySearchFunc(st.Shards, shard, func(sh meta.Shard, idx uint32) int {
				return cmp.Compare(sh.Index, idx)
			})
			return found
		},
		ConsumerLive: func(uid uint64, consumer string) bool {
			return s.kinesis == nil || s.kinesis.ConsumerExists(uid, consumer)
		},
	})
}

// registerCollectors adds the scrape-time collectors once storage and
// delivery are open.
func (s *Server) registerCollectors() error {
	if err := s.metrics.Register(metrics.NewDeliveryCollector(s.deliveryStatuses)); err != nil {
		return fmt.Errorf("server: register delivery metrics: %w", err)
	}
	if err := s.metrics.Register(metrics.NewUsageCollector(s.shardUsage)); err != nil {
		return fmt.Errorf("server: register storage metrics: %w", err)
	}
	return nil
}

// Metrics returns the server's metrics registry, e.g. for the web
// console's StreamTotals.
func (s *Server) Metrics() *metrics.Registry { return s.metrics }

// deliveryStatuses reads every delivery stream's status.
func (s *Server) deliveryStatuses() []metrics.DeliveryStatus {
	if s.delivery == nil {
		return nil
	}
	defs := s.delivery.List()
	out := make([]metrics.DeliveryStatus, 0, len(defs))
	for _, d := range defs {
		st, ok := s.delivery.Status(d.Name)
		if !ok {
			continue // deleted meanwhile
		}
		out = append(out, metrics.DeliveryStatus{
			Name:          d.Name,
			Incoming:      st.Incoming,
			IncomingBytes: st.IncomingBytes,
			Records:       st.Records,
			Bytes:         st.Bytes,
			Objects:       st.Objects,
			FailedRecords: st.FailedRecords,
			Lost:          st.Lost,
			Backlog:       st.Backlog,
			Failing:       !st.FailingSince.IsZero(),
			OldestPending: st.OldestPending,
		})
	}
	return out
}

// usageTTL is how long a shard's disk usage is reused between scrapes:
// shardlog.Info may load a shard not opened since the start or scan for
// the retention horizon.
const usageTTL = 10 * time.Second

// usageCache keeps each shard's last Info for usageTTL.
type usageCache struct {
	mu     sync.Mutex
	shards map[shardlog.ShardID]usageEntry
}

type usageEntry struct {
	at              time.Time
	segments, bytes int64
}

// shardUsage reads the segments and bytes of every shard of every stream
// in meta, so a deleted stream leaves at the next scrape.
func (s *Server) shardUsage() []metrics.ShardUsage {
	c := &s.usage
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	seen := make(map[shardlog.ShardID]usageEntry, len(c.shards))
	var out []metrics.ShardUsage
	for _, st := range s.meta.Streams() {
		for _, sh := range st.Shards {
			id := shardlog.ShardID{Stream: st.UID, Shard: sh.Index}
			e, ok := c.shards[id]
			if !ok || now.Sub(e.at) >= usageTTL {
				info, err := s.log.Info(id)
				if err != nil {
					continue // not created yet, or being deleted
				}
				e = usageEntry{at: now, segments: int64(info.Segments), bytes: info.Bytes}
			}
			seen[id] = e
			out = append(out, metrics.ShardUsage{Stream: st.Name, Shard: sh.Index, Segments: int(e.segments), Bytes: e.bytes})
		}
	}
	c.shards = seen
	return out
}

// metricsAction is the permission GET /metrics needs when auth is on
// (docs/auth.md): the metrics name every stream, so it is granted on "*"
// only.
const metricsAction = "rheo:GetMetrics"

// authorizeMetrics lets a /metrics scrape through when auth is off, or
// when it carries HTTP Basic credentials (user = access key id, password =
// secret access key: what Prometheus's basic_auth sends) or a SigV4
// signature of a key allowed rheo:GetMetrics. Otherwise it answers 401
// (with a Basic challenge) or 403 and reports false.
func (s *Server) authorizeMetrics(w http.ResponseWriter, r *http.Request) bool {
	if s.kinesisAuth == nil {
		return true
	}
	var p *auth.Principal
	if akid, secret, ok := r.BasicAuth(); ok {
		q, want, known := s.kinesisAuth.Password(akid)
		// Compare even for an unknown key, so timing does not tell which
		// keys exist.
		match := subtle.ConstantTimeCompare([]byte(secret), []byte(want)) == 1
		if !known || !match {
			metricsChallenge(w, "The access key id or secret access key is wrong.")
			return false
		}
		p = q
	} else if r.Header.Get("Authorization") != "" || r.URL.Query().Has("X-Amz-Algorithm") {
		q, err := s.kinesisAuth.Verify(r, nil)
		if err != nil {
			metricsChallenge(w, authMessage(err))
			return false
		}
		p = q
	} else {
		metricsChallenge(w, "Authentication is on: send the access key id and secret access key as HTTP Basic credentials, or sign the request with SigV4.")
		return false
	}
	if !p.AllowedAll(metricsAction) {
		http.Error(w, fmt.Sprintf("User: %s is not authorized to perform: %s", p.ARN(), metricsAction), http.StatusForbidden)
		return false
	}
	return true
}

// metricsChallenge answers 401 with the Basic challenge Prometheus and
// curl understand.
func metricsChallenge(w http.ResponseWriter, msg string) {
	w.Header().Set("WWW-Authenticate", `Basic realm="rheo", charset="UTF-8"`)
	http.Error(w, msg, http.StatusUnauthorized)
}
