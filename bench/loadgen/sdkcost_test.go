package main

// This file measures what the aws-sdk-go-v2 Kinesis client itself costs,
// with no server at all. On a small machine loadgen (the SDK client) and
// rheo share the CPU, and the client uses more of it than the server; these
// benchmarks give a reproducible figure for the client's own CPU per call
// and per GiB, and so the upper bound any server could reach with this
// client on this machine.
//
// The client is the real one, configured like newClient (region, static
// credentials, NopRetryer, SigV4 payload hashing on, the default), except
// that its HTTPClient is sdkcostHTTP: it reads and discards the request
// body (so the SDK's body streaming and signing run in full) and answers
// with a canned response shaped exactly as rheo/AWS sends it.
//
// Each benchmark loop runs on one goroutine, and the fake HTTP client does
// no I/O, so wall time ≈ CPU time of one core: "cpu-s/GiB" is the CPU
// seconds the client spends per GiB of record payload, and a machine with
// C cores can drive at most C ÷ cpu-s/GiB GiB/s through this client.
// proc-cpu-s/GiB is the same from the process's CPU time, which also
// counts the garbage collector's work on other cores (see sdkcostReport).
//
//	go test ./bench/loadgen -run '^$' -bench SDK -benchtime 3s

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"syscall"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

const (
	sdkcostRecordSize = 1024
	sdkcostBatch      = 500   // records per PutRecords call
	sdkcostGetRecords = 10000 // records per GetRecords answer
)

// sdkcostHTTP is an aws.HTTPClient standing in for the network and the
// server: it drains the request body and returns body as a 200 response.
type sdkcostHTTP struct {
	body []byte
}

func (h *sdkcostHTTP) Do(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		if _, err := io.Copy(io.Discard, req.Body); err != nil {
			return nil, err
		}
		req.Body.Close()
	}
	hdr := make(http.Header, 3)
	hdr.Set("Content-Type", "application/x-amz-json-1.1")
	hdr.Set("x-amzn-RequestId", "c0ffee00-0000-4000-8000-000000000001")
	hdr.Set("Content-Length", strconv.Itoa(len(h.body)))
	return &http.Response{
		Status:        "200 OK",
		StatusCode:    http.StatusOK,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        hdr,
		Body:          io.NopCloser(bytes.NewReader(h.body)),
		ContentLength: int64(len(h.body)),
		Request:       req,
	}, nil
}

// sdkcostClient builds the client as newClient does, on the fake transport.
func sdkcostClient(body []byte) *kinesis.Client {
	return kinesis.New(kinesis.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String("http://127.0.0.1:4567"),
		Credentials:  credentials.NewStaticCredentialsProvider("x", "x", ""),
		HTTPClient:   &sdkcostHTTP{body: body},
		Retryer:      aws.NopRetryer{},
	})
}

// sdkcostSeq returns a 56-digit sequence number, as Kinesis hands out.
func sdkcostSeq(r *rand.Rand) string {
	b := make([]byte, 56)
	b[0], b[1] = '4', '9'
	for i := 2; i < len(b); i++ {
		b[i] = byte('0' + r.IntN(10))
	}
	return string(b)
}

// sdkcostCPU returns the process's user+system CPU time in nanoseconds.
func sdkcostCPU(b *testing.B) int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// sdkcostReport adds the cpu-s/GiB metric. The loop is single-goroutine,
// so elapsed wall time per op ≈ CPU time of one core per op. That leaves
// out the garbage collector's background workers, which run on other
// cores while the loop runs, so proc-cpu-s/GiB adds the process's CPU time
// (getrusage, user+system) over the loop since cpu0 = sdkcostCPU(b): the
// client's whole CPU cost, GC included.
// sdkcostLoop times call b.N times and reports the metrics.
func sdkcostLoop(b *testing.B, bytesPerOp int64, call func() error) {
	b.SetBytes(bytesPerOp)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := sdkcostCPU(b)
	for i := 0; i < b.N; i++ {
		if err := call(); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	sdkcostReport(b, bytesPerOp, cpu0)
}

func sdkcostReport(b *testing.B, bytesPerOp int64, cpu0 int64) {
	cpu := sdkcostCPU(b) - cpu0
	gib := float64(bytesPerOp) / (1 << 30)
	nsPerOp := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	b.ReportMetric(nsPerOp/1e9/gib, "cpu-s/GiB")
	b.ReportMetric(float64(cpu)/float64(b.N)/1e9/gib, "proc-cpu-s/GiB")
}

// BenchmarkSDKPutRecords: PutRecords of 500 records × 1 KiB.
func BenchmarkSDKPutRecords(b *testing.B) {
	data := payload(sdkcostBatch * sdkcostRecordSize)[:sdkcostBatch*sdkcostRecordSize]
	pk := keys(8192)
	kr := rand.New(rand.NewPCG(7, 8))
	entries := make([]types.PutRecordsRequestEntry, sdkcostBatch)
	for i := range entries {
		entries[i] = types.PutRecordsRequestEntry{
			Data:         data[i*sdkcostRecordSize : (i+1)*sdkcostRecordSize],
			PartitionKey: aws.String(pk[kr.IntN(len(pk))]),
		}
	}
	sr := rand.New(rand.NewPCG(9, 10))
	var resp bytes.Buffer
	resp.WriteString(`{"FailedRecordCount":0,"Records":[`)
	for i := range sdkcostBatch {
		if i > 0 {
			resp.WriteByte(',')
		}
		resp.WriteString(`{"SequenceNumber":"`)
		resp.WriteString(sdkcostSeq(sr))
		resp.WriteString(`","ShardId":"shardId-00000000000`)
		resp.WriteString(strconv.Itoa(i % 4))
		resp.WriteString(`"}`)
	}
	resp.WriteString(`]}`)
	cl := sdkcostClient(resp.Bytes())
	ctx := context.Background()
	in := &kinesis.PutRecordsInput{StreamName: aws.String("bench"), Records: entries}

	out, err := cl.PutRecords(ctx, in)
	if err != nil {
		b.Fatal(err)
	}
	if n := len(out.Records); n != sdkcostBatch || aws.ToInt32(out.FailedRecordCount) != 0 ||
		aws.ToString(out.Records[0].SequenceNumber) == "" || aws.ToString(out.Records[1].ShardId) != "shardId-000000000001" {
		b.Fatalf("bad PutRecords output: %d records, %d failed", n, aws.ToInt32(out.FailedRecordCount))
	}

	sdkcostLoop(b, sdkcostBatch*sdkcostRecordSize, func() error {
		_, err := cl.PutRecords(ctx, in)
		return err
	})
}

// BenchmarkSDKPutRecord: one PutRecord of 1 KiB.
func BenchmarkSDKPutRecord(b *testing.B) {
	data := payload(sdkcostRecordSize)[:sdkcostRecordSize]
	sr := rand.New(rand.NewPCG(11, 12))
	seq := sdkcostSeq(sr)
	cl := sdkcostClient([]byte(`{"SequenceNumber":"` + seq + `","ShardId":"shardId-000000000001"}`))
	ctx := context.Background()
	in := &kinesis.PutRecordInput{StreamName: aws.String("bench"), Data: data, PartitionKey: aws.String(keys(1)[0])}

	out, err := cl.PutRecord(ctx, in)
	if err != nil {
		b.Fatal(err)
	}
	if aws.ToString(out.SequenceNumber) != seq || aws.ToString(out.ShardId) != "shardId-000000000001" {
		b.Fatalf("bad PutRecord output: %+v", out)
	}

	sdkcostLoop(b, sdkcostRecordSize, func() error {
		_, err := cl.PutRecord(ctx, in)
		return err
	})
}

// BenchmarkSDKGetRecords: GetRecords answered with 10,000 records × 1 KiB.
func BenchmarkSDKGetRecords(b *testing.B) {
	data := payload(sdkcostGetRecords * sdkcostRecordSize)[:sdkcostGetRecords*sdkcostRecordSize]
	pk := keys(8192)
	sr := rand.New(rand.NewPCG(13, 14))
	next := base64.StdEncoding.EncodeToString(payload(75)[:75]) // 100 characters
	var resp bytes.Buffer
	resp.Grow(sdkcostGetRecords * (base64.StdEncoding.EncodedLen(sdkcostRecordSize) + 160))
	resp.WriteString(`{"MillisBehindLatest":0,"NextShardIterator":"` + next + `","Records":[`)
	ts := 1763500000.0
	var num []byte
	for i := range sdkcostGetRecords {
		if i > 0 {
			resp.WriteByte(',')
		}
		resp.WriteString(`{"SequenceNumber":"`)
		resp.WriteString(sdkcostSeq(sr))
		resp.WriteString(`","ApproximateArrivalTimestamp":`)
		num = strconv.AppendFloat(num[:0], ts+float64(i)*0.001, 'f', 3, 64)
		resp.Write(num)
		resp.WriteString(`,"Data":"`)
		resp.WriteString(base64.StdEncoding.EncodeToString(data[i*sdkcostRecordSize : (i+1)*sdkcostRecordSize]))
		resp.WriteString(`","PartitionKey":"`)
		resp.WriteString(pk[sr.IntN(len(pk))])
		resp.WriteString(`"}`)
	}
	resp.WriteString(`]}`)
	cl := sdkcostClient(resp.Bytes())
	ctx := context.Background()
	in := &kinesis.GetRecordsInput{ShardIterator: aws.String(next), Limit: aws.Int32(sdkcostGetRecords)}

	out, err := cl.GetRecords(ctx, in)
	if err != nil {
		b.Fatal(err)
	}
	if len(out.Records) != sdkcostGetRecords || aws.ToString(out.NextShardIterator) != next ||
		out.MillisBehindLatest == nil || *out.MillisBehindLatest != 0 {
		b.Fatalf("bad GetRecords output: %d records, next %q", len(out.Records), aws.ToString(out.NextShardIterator))
	}
	for i, r := range out.Records {
		if !bytes.Equal(r.Data, data[i*sdkcostRecordSize:(i+1)*sdkcostRecordSize]) ||
			aws.ToString(r.PartitionKey) == "" || len(aws.ToString(r.SequenceNumber)) != 56 ||
			r.ApproximateArrivalTimestamp == nil || r.ApproximateArrivalTimestamp.Unix() < 1763500000 {
			b.Fatalf("record %d differs from what was encoded", i)
		}
	}

	sdkcostLoop(b, sdkcostGetRecords*sdkcostRecordSize, func() error {
		_, err := cl.GetRecords(ctx, in)
		return err
	})
}
