package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/rheo-dev/rheo/internal/auth"
	"github.com/rheo-dev/rheo/internal/console"
	"github.com/rheo-dev/rheo/internal/iteration"
	"github.com/rheo-dev/rheo/internal/meta"
	"github.com/rheo-dev/rheo/internal/shardlog"
)

// The web console (internal/console) on the API port: GET and HEAD of its
// paths go to it, every POST stays with the APIs.

// newConsole builds the console and starts its rate sampler, which ends
// with s.sqlCtx (cancelled when the server shuts down). Embedded assets
// that fail to load are a build mistake: the console paths then answer 500
// with the reason and the APIs are unaffected.
func (s *Server) newConsole() http.Handler {
	con, err := console.New(console.Options{
		Totals:       s.consoleTotals,
		Deliveries:   s.consoleDeliveries,
		Lags:         s.consoleLags,
		Boundaries:   s.consoleBoundaries,
		AuthRequired: s.kinesisAuth != nil,
		Authorize:    s.authorizeConsole,
		Logger:       s.logger.With("component", "console"),
	})
	if err != nil {
		s.logger.Error("web console unavailable", "err", err)
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		})
	}
	go con.Run(s.sqlCtx)
	return con
}

// consoleAction is the permission the console's JSON endpoints need when
// auth is on (docs/auth.md): they summarise every stream, so it is granted
// on "*" only. "whoami" needs only a valid signature.
const consoleAction = "rheo:ViewConsole"

// authorizeConsole checks a console JSON request's SigV4 signature (any
// service scope; the page signs for "rheo") and rheo:ViewConsole when auth
// is on, and names the caller.
func (s *Server) authorizeConsole(r *http.Request, endpoint string) (string, error) {
	if s.kinesisAuth == nil {
		return "", nil
	}
	p, err := s.kinesisAuth.Verify(r, nil)
	if err != nil {
		var ae *auth.Error
		if errors.As(err, &ae) {
			return "", &console.AuthError{Status: http.StatusForbidden, Code: ae.Type, Message: ae.Message}
		}
		return "", err
	}
	if endpoint != "whoami" && !p.AllowedAll(consoleAction) {
		return "", &console.AuthError{Status: http.StatusForbidden, Code: "AccessDeniedException",
			Message: fmt.Sprintf("User: %s is not authorized to perform: %s", p.ARN(), consoleAction)}
	}
	return p.ARN(), nil
}

// isConsole reports whether r is a console request.
func isConsole(r *http.Request) bool {
	return (r.Method == http.MethodGet || r.Method == http.MethodHead) && console.Handles(r.URL.Path)
}

// consoleTotals adapts the metrics registry's cumulative per-stream
// counters (records and data bytes accepted by PutRecord/PutRecords, and
// each fan-out consumer's latest MillisBehindLatest) for the console.
func (s *Server) consoleTotals() map[string]console.Totals {
	in := s.metrics.StreamTotals()
	out := make(map[string]console.Totals, len(in))
	for name, t := range in {
		out[name] = console.Totals{Records: t.IncomingRecords, Bytes: t.IncomingBytes, Consumers: t.Consumers}
	}
	return out
}

// consoleDeliveries adapts delivery.Manager.Status for the console.
func (s *Server) consoleDeliveries() []console.DeliveryStatus {
	defs := s.delivery.List()
	out := make([]console.DeliveryStatus, 0, len(defs))
	for _, d := range defs {
		st, ok := s.delivery.Status(d.Name)
		if !ok {
			continue
		}
		out = append(out, console.DeliveryStatus{
			Name: d.Name, Records: st.Records, Bytes: st.Bytes, Objects: st.Objects,
			FailedRecords: st.FailedRecords, Backlog: st.Backlog, LastSuccess: st.LastSuccess,
			FailingSince: st.FailingSince, Attempts: st.Attempts, LastError: st.LastError,
		})
	}
	return out
}

// consoleLags reports, per logical name and stream, the records between
// what its iterations have taken and the shard tips.
func (s *Server) consoleLags(ctx context.Context) ([]console.Lag, error) {
	// Only each name's newest window per stream is read: its ends are
	// where the next iteration starts on every shard.
	wins, err := iteration.New(s.meta, s.log, nil).Latest(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]console.Lag, 0, len(wins))
	for _, w := range wins {
		st, ok := s.meta.Stream(w.Stream)
		if !ok || st.UID != w.StreamUID {
			continue // the stream is gone (or re-created: a new one)
		}
		ends := make(map[uint32]uint64, len(w.Ranges))
		for _, r := range w.Ranges {
			ends[r.Shard] = r.To
		}
		out = append(out, console.Lag{LogicalName: w.Name, Stream: w.Stream, Iteration: w.Iteration, CreatedAt: w.CreatedAt,
			Records: s.recordsBehind(st, ends)})
	}
	return out, nil
}

// recordsBehind sums, over the stream's shards, the tip minus the position
// in ends (the trim horizon for a shard no iteration took records from).
func (s *Server) recordsBehind(st *meta.Stream, ends map[uint32]uint64) int64 {
	var n int64
	for _, sh := range st.Shards {
		info, err := s.log.Info(shardlog.ShardID{Stream: st.UID, Shard: sh.Index})
		if err != nil {
			continue
		}
		from, ok := ends[sh.Index]
		if !ok || from < info.TrimHorizon {
			from = info.TrimHorizon
		}
		if info.Next > from {
			n += int64(info.Next - from)
		}
	}
	return n
}

// consoleBoundaries lists every iteration boundary for the console.
func (s *Server) consoleBoundaries(ctx context.Context) ([]console.Boundary, error) {
	bounds, err := iteration.New(s.meta, s.log, nil).List(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]console.Boundary, len(bounds))
	for i, b := range bounds {
		out[i] = console.Boundary{
			LogicalName: b.LogicalName, Iteration: b.Iteration, Stream: b.Stream, ShardID: b.ShardID,
			StartSequenceNumber: b.StartSequenceNumber, EndSequenceNumber: b.EndSequenceNumber, CreatedAt: b.CreatedAt,
		}
	}
	return out, nil
}
