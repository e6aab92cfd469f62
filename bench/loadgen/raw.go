package main

// The raw client speaks the same AWS JSON 1.1 protocol as the SDK but with
// request bodies built once and responses scanned instead of decoded, so
// that on a small machine shared by client and server the numbers show
// what the server can do rather than what the SDK costs. It is a
// measuring aid, not a second implementation of Kinesis: "--client sdk"
// (the default) is what users run.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// rawClient posts pre-encoded Kinesis requests.
type rawClient struct {
	hc       *http.Client
	endpoint string
}

// rawAuth is a well-formed SigV4 Authorization header; rheo reads the
// region from it and does not verify signatures.
const rawAuth = "AWS4-HMAC-SHA256 Credential=x/20260101/us-east-1/kinesis/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=0000000000000000000000000000000000000000000000000000000000000000"

// call posts body to operation op and returns the response body of a 200,
// or an error carrying the status and body otherwise.
func (c *rawClient) call(ctx context.Context, op string, body []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint+"/", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "Kinesis_20131202."+op)
	req.Header.Set("X-Amz-Date", "20260101T000000Z")
	req.Header.Set("Authorization", rawAuth)
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%s: reading response: %w", op, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: HTTP %d: %s", op, resp.StatusCode, b)
	}
	return b, nil
}

// rawBodies builds n PutRecords request bodies of batch records each, with
// random payload offsets and partition keys.
func rawBodies(stream string, n, batch, size int, seed uint64) [][]byte {
	buf := payload(size)
	pk := keys(8192)
	r := rand.New(rand.NewPCG(seed, 7))
	type entry struct {
		Data         []byte
		PartitionKey string
	}
	bodies := make([][]byte, n)
	for i := range bodies {
		in := struct {
			StreamName string
			Records    []entry
		}{StreamName: stream, Records: make([]entry, batch)}
		for j := range in.Records {
			off := r.IntN(4096)
			in.Records[j] = entry{Data: buf[off : off+size], PartitionKey: pk[r.IntN(len(pk))]}
		}
		bodies[i], _ = json.Marshal(in) // []byte marshals as base64, like the SDK
	}
	return bodies
}

// runPutRecordsRaw is runPutRecords with pre-encoded bodies.
func runPutRecordsRaw(ctx context.Context, rc *rawClient, c config, w *written) (result, error) {
	batchBytes := int64(c.batch * c.recordSize)
	var (
		mu       sync.Mutex
		res      = result{name: "putrecords (raw)"}
		firstErr error
	)
	bodies := make([][][]byte, c.inflight)
	for g := range bodies {
		bodies[g] = rawBodies(c.stream, 4, c.batch, c.recordSize, uint64(g))
	}
	start := time.Now()
	deadline := start.Add(c.duration)
	next := batchBudget(ctx, &mu, &firstErr, c.bytes, batchBytes, deadline)
	var wg sync.WaitGroup
	for g := range c.inflight {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lat []time.Duration
			var out struct {
				FailedRecordCount int64
				Records           []struct{ ShardId, ErrorCode string }
			}
			shardRecs := map[string]int64{}
			for i := 0; next(); i++ {
				t0 := time.Now()
				b, err := rc.call(ctx, "PutRecords", bodies[g][i%len(bodies[g])])
				d := time.Since(t0)
				if err == nil {
					out.Records = out.Records[:0]
					out.FailedRecordCount = 0
					err = json.Unmarshal(b, &out)
				}
				mu.Lock()
				res.calls++
				if err != nil {
					if ctx.Err() != nil { // cut off at the step's limit: outcome unknown
						res.cut++
						w.addUnknown(int64(c.batch))
						mu.Unlock()
						continue
					}
					res.failed++
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					continue
				}
				lat = append(lat, d)
				ok := int64(len(out.Records)) - out.FailedRecordCount
				res.records += ok
				res.recFailed += out.FailedRecordCount
				res.bytes += ok * int64(c.recordSize)
				mu.Unlock()
				clear(shardRecs)
				for _, rr := range out.Records {
					if rr.ErrorCode == "" {
						shardRecs[rr.ShardId]++
					}
				}
				for s, n := range shardRecs {
					w.add(s, n, n*int64(c.recordSize))
				}
			}
			mu.Lock()
			res.lat = append(res.lat, lat...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.wall = time.Since(start)
	if c.bytes > 0 && res.bytes+int64(c.inflight)*batchBytes >= c.bytes {
		res.note = fmt.Sprintf("stopped at its cap of %s", human(c.bytes))
	}
	return res, firstErr
}

// runPutRecordRaw is runPutRecord with pre-encoded bodies.
func runPutRecordRaw(ctx context.Context, rc *rawClient, c config, w *written) (result, error) {
	buf := payload(c.recordSize)
	pk := keys(8192)
	var (
		mu       sync.Mutex
		res      = result{name: "putrecord (raw)"}
		firstErr error
	)
	start := time.Now()
	deadline := start.Add(c.putRecordDur)
	take := recordBudget(c.maxRecords)
	var wg sync.WaitGroup
	for g := range c.inflight {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(g), 8))
			bodies := make([][]byte, 64)
			for i := range bodies {
				off := r.IntN(4096)
				bodies[i], _ = json.Marshal(struct {
					StreamName   string
					Data         []byte
					PartitionKey string
				}{c.stream, buf[off : off+c.recordSize], pk[r.IntN(len(pk))]})
			}
			var lat []time.Duration
			var calls, failed, cut, recs int64
			shardRecs := map[string]int64{}
			var out struct{ ShardId string }
			for i := 0; ctx.Err() == nil && time.Now().Before(deadline) && take(); i++ {
				t0 := time.Now()
				b, err := rc.call(ctx, "PutRecord", bodies[i%len(bodies)])
				d := time.Since(t0)
				calls++
				if err == nil {
					err = json.Unmarshal(b, &out)
				}
				if err != nil {
					if ctx.Err() != nil { // cut off at the step's limit: outcome unknown
						cut++
						w.addUnknown(1)
						break
					}
					failed++
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					break
				}
				lat = append(lat, d)
				recs++
				shardRecs[out.ShardId]++
			}
			for s, n := range shardRecs {
				w.add(s, n, n*int64(c.recordSize))
			}
			mu.Lock()
			res.calls += calls
			res.failed += failed
			res.cut += cut
			res.records += recs
			res.bytes += recs * int64(c.recordSize)
			res.lat = append(res.lat, lat...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.wall = time.Since(start)
	return res, firstErr
}

// readShardRaw reads one shard to its end, scanning each GetRecords
// response for the record count, the decoded data size, the next
// iterator and MillisBehindLatest.
func readShardRaw(ctx context.Context, rc *rawClient, stream, shard string) (n, size, calls int64, lat []time.Duration, err error) {
	req, _ := json.Marshal(map[string]string{"StreamName": stream, "ShardId": shard, "ShardIteratorType": "TRIM_HORIZON"})
	b, err := rc.call(ctx, "GetShardIterator", req)
	if err != nil {
		return 0, 0, 0, nil, err
	}
	var it struct{ ShardIterator string }
	if err := json.Unmarshal(b, &it); err != nil {
		return 0, 0, 0, nil, fmt.Errorf("GetShardIterator: %w", err)
	}
	iter := it.ShardIterator
	for iter != "" {
		t0 := time.Now()
		b, err := rc.call(ctx, "GetRecords", []byte(`{"ShardIterator":"`+iter+`","Limit":10000}`))
		calls++
		if err != nil {
			return n, size, calls, lat, fmt.Errorf("%s after %d records: %w", shard, n, err)
		}
		lat = append(lat, time.Since(t0))
		cnt, sz, next, behind, err := scanGetRecords(b)
		if err != nil {
			return n, size, calls, lat, fmt.Errorf("GetRecords %s after %d records: %w", shard, n, err)
		}
		n += cnt
		size += sz
		if cnt == 0 && behind == 0 {
			break
		}
		iter = next
	}
	return n, size, calls, lat, nil
}

var (
	dataKey   = []byte(`"Data":"`)
	nextKey   = []byte(`"NextShardIterator":"`)
	behindKey = []byte(`"MillisBehindLatest":`)
)

// scanGetRecords extracts from a GetRecords response the number of
// records, their decoded data bytes, NextShardIterator and
// MillisBehindLatest. It relies on base64 strings having no escapes.
func scanGetRecords(b []byte) (n, size int64, next string, behind int64, err error) {
	rest := b
	for {
		i := bytes.Index(rest, dataKey)
		if i < 0 {
			break
		}
		rest = rest[i+len(dataKey):]
		j := bytes.IndexByte(rest, '"')
		if j < 0 {
			return 0, 0, "", 0, errors.New("unterminated Data")
		}
		d := rest[:j]
		l := base64.StdEncoding.DecodedLen(len(d))
		if len(d) > 0 && d[len(d)-1] == '=' {
			l--
			if len(d) > 1 && d[len(d)-2] == '=' {
				l--
			}
		}
		size += int64(l)
		n++
		rest = rest[j:]
	}
	if i := bytes.Index(b, nextKey); i >= 0 {
		s := b[i+len(nextKey):]
		if j := bytes.IndexByte(s, '"'); j >= 0 {
			next = string(s[:j])
		}
	}
	if i := bytes.Index(b, behindKey); i >= 0 {
		s := b[i+len(behindKey):]
		j := 0
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		behind, _ = strconv.ParseInt(string(s[:j]), 10, 64)
	}
	return n, size, next, behind, nil
}
