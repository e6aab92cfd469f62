package firehose

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sort"
	"testing"
)

// FuzzRequest sends arbitrary bodies to every action: the server must not
// panic, every reply must be JSON, and every failure AWS-shaped (__type,
// a 4xx/5xx status).
func FuzzRequest(f *testing.F) {
	seeds := []string{
		`{}`, ``, `null`, `[]`, `{"DeliveryStreamName":"s"}`,
		`{"DeliveryStreamName":"s","ExtendedS3DestinationConfiguration":{"RoleARN":"arn:aws:iam::123456789012:role/r","BucketARN":"arn:aws:s3:::lake-f","Prefix":"!{timestamp:yyyy}/","ErrorOutputPrefix":"e/"}}`,
		`{"DeliveryStreamName":"s","Records":[{"Data":"YQ=="},{}],"Record":{"Data":"YQ=="}}`,
		`{"DeliveryStreamName":"s","CurrentDeliveryStreamVersionId":"1","DestinationId":"destinationId-000000000001","ExtendedS3DestinationUpdate":{"BufferingHints":{"SizeInMBs":64}}}`,
		`{"DeliveryStreamName":"s","Tags":[{"Key":"k","Value":"v"}],"TagKeys":["k"],"Limit":1}`,
		`{"DeliveryStreamName":"s","RedshiftDestinationConfiguration":{"CopyCommand":{}, "S3Configuration":{}}}`,
		`{"DeliveryStreamName":"s","DeliveryStreamEncryptionConfigurationInput":{"KeyType":"CUSTOMER_MANAGED_CMK"}}`,
		`{"DeliveryStreamName":"s","ExtendedS3DestinationConfiguration":{"ProcessingConfiguration":{"Enabled":true,"Processors":[{"Type":"MetadataExtraction","Parameters":[{"ParameterName":"MetadataExtractionQuery","ParameterValue":"{a:.b}"}]}]}}}`,
		`{"Limit":1e400}`, `{"DeliveryStreamName":"\u0000"}`,
	}
	for i, s := range seeds {
		f.Add(uint8(i), []byte(s))
	}
	names := func() []string {
		e := newEnv(&testing.T{})
		var out []string
		for n := range e.srv.ops {
			out = append(out, n)
		}
		sort.Strings(out)
		return out
	}()
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		e := newEnv(t)
		e.create("s", nil) // something to act on
		action := names[int(which)%len(names)]
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		req.Header.Set("X-Amz-Target", targetPrefix+action)
		w := httptest.NewRecorder()
		e.srv.ServeHTTP(w, req)
		var out map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
			t.Fatalf("%s: reply is not a JSON object: %q", action, w.Body.String())
		}
		if w.Code != http.StatusOK {
			if _, ok := out["__type"].(string); !ok || w.Code < 400 {
				t.Fatalf("%s: failure without __type: %d %v", action, w.Code, out)
			}
			if out["__type"] == "InternalFailure" {
				t.Fatalf("%s: internal failure for body %q", action, body)
			}
		}
	})
}

// FuzzPutRecordBatchDecode checks the PutRecordBatch fast path against
// encoding/json: whenever it takes a body it must decode exactly what
// encoding/json decodes (or fail where it fails), and when it declines it
// must leave the body untouched for the fallback.
func FuzzPutRecordBatchDecode(f *testing.F) {
	for _, s := range []string{
		`{"DeliveryStreamName":"s","Records":[{"Data":"YQ=="},{"Data":""}]}`,
		` { "Records" : [ { "Data" : "aGVsbG8K" } ] , "DeliveryStreamName" : "x" } `,
		`{"DeliveryStreamName":"s","Records":[]}`,
		`{"DeliveryStreamName":"s","Records":[{"Data":"YQ="}]}`,
		`{"DeliveryStreamName":"s","Records":[{"Data":"Y\/Q="}]}`,
		`{"DeliveryStreamName":"s","Records":[{"Data":"YQ==","X":1}]}`,
		`{"DeliveryStreamName":"s","Records":[null]}`,
		`{"DeliveryStreamName":"s","Records":[{"Data":"YQ=="}]}x`,
		`{"deliverystreamname":"s","Records":[{"Data":"YQ=="}]}`,
		`{"DeliveryStreamName":"é","Records":[{"Data":"YQ=="}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		fast := append([]byte(nil), body...)
		var got PutRecordBatchInput
		ok, ferr := got.decodeFast(fast)
		var want PutRecordBatchInput
		jerr := json.Unmarshal(body, &want)
		if !ok {
			if !bytes.Equal(fast, body) {
				t.Fatalf("declined but rewrote the body: %q -> %q", body, fast)
			}
			return
		}
		if (ferr != nil) != (jerr != nil) {
			t.Fatalf("fast err %v, encoding/json err %v, body %q", ferr, jerr, body)
		}
		if ferr != nil {
			return
		}
		if deref(got.DeliveryStreamName) != deref(want.DeliveryStreamName) || (got.DeliveryStreamName == nil) != (want.DeliveryStreamName == nil) ||
			len(got.Records) != len(want.Records) || (got.Records == nil) != (want.Records == nil) {
			t.Fatalf("fast %+v, encoding/json %+v, body %q", got, want, body)
		}
		for i := range got.Records {
			if !bytes.Equal(got.Records[i].Data, want.Records[i].Data) || (got.Records[i].Data == nil) != (want.Records[i].Data == nil) {
				t.Fatalf("record %d: fast %q, encoding/json %q", i, got.Records[i].Data, want.Records[i].Data)
			}
		}
	})
}
