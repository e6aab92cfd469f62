// The HTTP side of the Kinesis API: Config and its defaults, the Server and
// its lifecycle, and the one adapter (X-Amz-Target dispatch, codec
// selection by Content-Type — JSON 1.1 or CBOR 1.1, codec.go — body
// decoding, SigV4 authentication when configured (auth.go), reply
// encoding, the single error mapping in writeError). Void actions answer
// 200 with an empty body, as AWS does.
//
// Known gaps vs AWS: with Config.Auth nil (the default) requests are not
// authenticated and SigV4 is read only for its region.
package kinesis

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/rheo-dev/rheo/internal/auth"
	"github.com/rheo-dev/rheo/internal/kinesis/wire"
	"github.com/rheo-dev/rheo/internal/meta"
	"github.com/rheo-dev/rheo/internal/metrics"
	"github.com/rheo-dev/rheo/internal/shardlog"
)

// targetPrefix is the X-Amz-Target namespace of Kinesis Data Streams.
const targetPrefix = "Kinesis_20131202."

// maxBodySize bounds a request body. The largest legal request is a
// PutRecords of 5 MiB of data, which base64 and JSON grow to about 7 MiB.
const maxBodySize = 16 << 20

// Config holds the server's settings. Zero values mean the defaults of
// DefaultConfig.
type Config struct {
	// Account is the AWS account id written into ARNs.
	Account string
	// StateDelay is how long a stream stays CREATING, UPDATING or DELETING.
	StateDelay time.Duration
	// ShardLimit is the account's shard quota (open shards of all streams);
	// CreateStream past it fails with LimitExceededException. 0 or less
	// means the default.
	ShardLimit int
	// OnDemandStreamCountLimit is how many ON_DEMAND streams the account may
	// have (AWS's default is 50). 0 or less means the default.
	OnDemandStreamCountLimit int
	// OnDemandShardCount is how many shards a new ON_DEMAND stream starts
	// with (4 on AWS). 0 or less means the default.
	OnDemandShardCount int
	// IteratorKey signs shard iterators; 32 random bytes if empty (then
	// iterators do not survive a restart).
	IteratorKey []byte
	// Now is the clock; nil means time.Now. Tests inject one.
	Now func() time.Time
	// Auth turns on SigV4 authentication and per-stream permissions: every
	// request must then be signed with a key of the store. nil (the
	// default) accepts unsigned requests. `rheo serve` builds it with
	// auth.FromEnv from RHEO_ACCESS_KEY_ID/RHEO_SECRET_ACCESS_KEY and
	// --credentials FILE (docs/auth.md).
	Auth *auth.Store
	// EnforceLimits turns on AWS's per-shard throughput limits
	// (throughput.go): writes 1 MiB/s and 1,000 records/s, GetRecords
	// 5 calls/s and 2 MiB/s, fan-out 2 MiB/s per consumer, answered with
	// ProvisionedThroughputExceededException as on AWS, and the documented
	// call quotas of control-plane actions (call_limits.go: DescribeStream
	// 10/s per account, ListShards 1,000/s per stream, ...), answered with
	// LimitExceededException, so clients can test their backoff. false
	// (the default) costs nothing. `rheo serve`:
	// --enforce-limits / RHEO_ENFORCE_LIMITS.
	EnforceLimits bool
	// Channels runs the channel actions (CreateChannel, DescribeChannel,
	// ListChannels, UpdateChannel, DeleteChannel) on the delivery engine;
	// `rheo serve` passes its *delivery.Manager. nil answers those actions
	// with an InvalidArgumentException saying channels are unavailable.
	Channels ChannelEngine
	// Metrics receives the data plane's CloudWatch-style measurements
	// (GET /metrics, internal/metrics); nil records nothing.
	Metrics *metrics.Registry
}

// DefaultConfig returns the defaults: AWS's account placeholder, a 500 ms
// state delay (what kinesalite uses), and AWS's default quotas (limits.go).
func DefaultConfig() Config {
	return Config{
		Account:                  "000000000000",
		StateDelay:               500 * time.Millisecond,
		ShardLimit:               defaultShardLimit,
		OnDemandStreamCountLimit: defaultOnDemandStreamCountLimit,
		OnDemandShardCount:       defaultOnDemandShardCount,
	}
}

func (c *Config) ensureDefaults() error {
	d := DefaultConfig()
	if c.Account == "" {
		c.Account = d.Account
	}
	if c.StateDelay < 0 {
		c.StateDelay = 0
	}
	if c.ShardLimit <= 0 {
		c.ShardLimit = d.ShardLimit
	}
	if c.OnDemandStreamCountLimit <= 0 {
		c.OnDemandStreamCountLimit = d.OnDemandStreamCountLimit
	}
	if c.OnDemandShardCount <= 0 {
		c.OnDemandShardCount = d.OnDemandShardCount
	}
	if len(c.IteratorKey) == 0 {
		c.IteratorKey = make([]byte, 32)
		if _, err := rand.Read(c.IteratorKey); err != nil {
			return fmt.Errorf("make iterator key: %w", err)
		}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return nil
}

// Server is the Kinesis API endpoint. It is an http.Handler.
type Server struct {
	cfg    Config
	meta   *meta.Store
	log    shardlog.Log
	logger *slog.Logger
	ops    map[string]op
	bufs   bufferPool   // request bodies and large responses
	cbor   *cborCodec   // CBOR 1.1 encoder and decoder modes (immutable)
	ctl    controlState // owned by the stream-management actions
	data   dataState    // owned by the record actions (routing caches, ...)
	limits *limiter     // throughput limits (throughput.go); nil when off
	misc   miscState    // per-stream settings of the misc actions (stream_settings.go)

	stop chan struct{}  // closed by Close; background goroutines exit
	wg   sync.WaitGroup // background goroutines
	once sync.Once
}

// New builds a Server over the metadata store and the shard log and starts
// its background work (stream state transitions).
func New(cfg Config, st *meta.Store, lg shardlog.Log, logger *slog.Logger) (*Server, error) {
	if err := cfg.ensureDefaults(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	cc, err := newCBORCodec()
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, meta: st, log: lg, logger: logger, cbor: cc, stop: make(chan struct{})}
	s.initControl()
	s.initData()
	if err := s.initMisc(); err != nil {
		return nil, err
	}
	s.ops = make(map[string]op)
	for _, table := range []map[string]op{s.controlOps(), s.dataOps()} {
		for name, o := range table {
			s.ops[name] = o
		}
	}
	if err := s.recoverReshards(); err != nil {
		return nil, err
	}
	if err := s.repairShards(); err != nil {
		return nil, err
	}
	s.startBackground()
	return s, nil
}

// Close stops background work and waits for it. It does not close the
// store or the log, which the caller owns.
func (s *Server) Close() error {
	s.once.Do(func() { close(s.stop) })
	s.wg.Wait()
	return nil
}

// op is one API action behind the adapter: it decodes its input with c and
// returns the output to encode, or an error.
type op func(ctx context.Context, c *call) (any, error)

// call is one decoded HTTP request.
type call struct {
	body  []byte
	codec codec       // the body's encoding; replies and errors use it too
	cbor  *cborCodec  // the server's CBOR modes
	authz *authorizer // nil: no per-stream check needed
	// w and r let a streaming action (SubscribeToShard) write its own
	// response; it then returns streamed{} so the adapter writes nothing.
	w http.ResponseWriter
	r *http.Request
}

// streamed is returned by actions that wrote their own response.
type streamed struct{}

// handle adapts a typed action to an op.
func handle[In, Out any](fn func(context.Context, *In) (*Out, error)) op {
	return func(ctx context.Context, c *call) (any, error) {
		in := new(In)
		if err := c.decode(in); err != nil {
			return nil, err
		}
		out, err := fn(ctx, in)
		if err != nil {
			return nil, err
		}
		return out, nil
	}
}

type reqInfoKey struct{}

// reqInfo is what handlers may need to know about the HTTP request.
type reqInfo struct {
	Region    string
	RequestID string
}

func requestInfo(ctx context.Context) *reqInfo {
	if ri, ok := ctx.Value(reqInfoKey{}).(*reqInfo); ok {
		return ri
	}
	return &reqInfo{Region: "us-east-1"}
}

// ServeHTTP implements http.Handler for POST / with X-Amz-Target.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ri := &reqInfo{Region: auth.RegionOf(r), RequestID: uuid.NewString()}
	cd := codecOf(r)
	w.Header().Set("x-amzn-RequestId", ri.RequestID)
	w.Header().Set("x-amz-id-2", ri.RequestID)
	if r.Method != http.MethodPost {
		s.writeError(w, r, &wire.Error{Type: "MethodNotAllowed", Status: http.StatusMethodNotAllowed, Message: "Kinesis API requests are POST /"})
		return
	}
	name, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), targetPrefix)
	o := s.ops[name]
	if !ok || o == nil {
		s.writeError(w, r, wire.UnknownOperation())
		return
	}
	body, err := readBody(r, s.bufs.get(int(r.ContentLength)))
	defer s.bufs.put(body)
	if err != nil {
		s.writeError(w, r, wire.Serialization("Could not read request body: %v", err))
		return
	}
	if len(body) > maxBodySize {
		s.writeError(w, r, &wire.Error{Type: "SerializationException", Status: http.StatusRequestEntityTooLarge, Message: "Request body is too large."})
		return
	}
	c := &call{body: body, codec: cd, cbor: s.cbor, w: w, r: r}
	if s.cfg.Auth != nil {
		// Before the action runs: decoders may rewrite the body in place.
		if c.authz, err = s.authenticate(r, body, name); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	if err := s.limits.admitCall(name, c, s.cfg.Account); err != nil {
		s.writeError(w, r, err)
		return
	}
	ctx := context.WithValue(r.Context(), reqInfoKey{}, ri)
	out, err := o(ctx, c)
	if c.authz != nil && !c.authz.checked && err == nil {
		// A bug: the action decoded its input without going through the
		// call, so a restricted caller was not checked.
		s.logger.Error("action ran without an authorization check", "target", name, "user", c.authz.p.Name)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if _, ok := out.(streamed); ok {
		return
	}
	s.writeOutput(w, c, out)
}

// writeError is the one place domain errors become API errors. The body
// is in the request's codec (JSON when r is nil).
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	cd := codecJSON
	if r != nil {
		cd = codecOf(r)
	}
	e, known := wire.AsError(err)
	if !known && r != nil && r.Context().Err() != nil {
		// The client hung up (or timed out) mid-request: nobody reads the
		// answer and nothing in rheo failed, so it is not worth an error
		// line (a producer stopped with Ctrl+C would print one per call).
		s.logger.Debug("request abandoned by the client", "err", err, "remote", remoteOf(r), "target", targetOf(r))
	} else if !known {
		s.logger.Error("internal failure", "err", err, "remote", remoteOf(r), "target", targetOf(r))
	} else if r != nil {
		s.logger.Debug("request rejected", "type", e.Type, "msg", e.Message, "remote", remoteOf(r), "target", targetOf(r))
	}
	w.Header().Set("Content-Type", cd.contentType())
	w.Header().Set("x-amzn-ErrorType", e.Type)
	w.WriteHeader(e.Status)
	_, _ = w.Write(s.errorBody(cd, e))
}

func remoteOf(r *http.Request) string {
	if r == nil {
		return ""
	}
	return r.RemoteAddr
}

func targetOf(r *http.Request) string {
	if r == nil {
		return ""
	}
	return r.Header.Get("X-Amz-Target")
}

// streamARN returns the ARN of stream name in the request's region.
func (s *Server) streamARN(ctx context.Context, name string) string {
	return fmt.Sprintf("arn:aws:kinesis:%s:%s:stream/%s", requestInfo(ctx).Region, s.cfg.Account, name)
}

// now is the server clock.
func (s *Server) now() time.Time { return s.cfg.Now() }
