package wire

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
)

// blobCases are inputs around the codec's block sizes and every kind of
// bad input the JSON fast paths can hand it.
func blobCases() [][]byte {
	var c [][]byte
	for _, n := range []int{0, 1, 2, 3, 4, 5, 23, 24, 31, 32, 33, 44, 45, 46, 47, 48, 63, 64, 95, 96, 97, 1024, 1025, 1026, 4099} {
		src := make([]byte, n)
		for i := range src {
			src[i] = byte(i*131 + n)
		}
		c = append(c, []byte(base64.StdEncoding.EncodeToString(src)))
	}
	for _, s := range []string{"QQ", "QQ=", "QQ==QQ==", "Q===", "====", "QUJD\nREVG", "QUJD\rREVGQUJD", "QU JD", "QUJ-", "QUJ_", "QUI=",
		"\x00\x00\x00\x00", "QUJDREVGSElKS0xNTk9QUVJTVFVWV1hZWmFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6MDEyMzQ1Njc4OSsv\n",
		"QUJDREVGSElKS0xNTk9QUVJTVFVWV1hZWmFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6MDEy\nMzQ1Njc4OSsvAAAA"} {
		c = append(c, []byte(s))
	}
	return c
}

// checkBlob compares DecodeBlobInPlace with what encoding/json does with the
// same text as a JSON string member. Callers hand it only strings without
// escapes (a backslash or quote sends them to encoding/json), so those are
// only checked not to panic.
func checkBlob(t *testing.T, text []byte) {
	if bytes.ContainsAny(text, `\"`) {
		DecodeBlobInPlace(bytes.Clone(text))
		return
	}
	var want []byte
	werr := json.Unmarshal(append(append([]byte{'"'}, text...), '"'), &want)
	b := bytes.Clone(text)
	n, ok := DecodeBlobInPlace(b)
	if ok != (werr == nil) {
		t.Fatalf("%q: ok %v, encoding/json error %v", text, ok, werr)
	}
	if ok && !bytes.Equal(b[:n], want) {
		t.Fatalf("%q: decoded %x, encoding/json %x", text, b[:n], want)
	}
	if werr == nil {
		// (text itself may have non-zero trailing bits, which both accept.)
		if got, enc := AppendBlob([]byte("x"), want), base64.StdEncoding.EncodeToString(want); string(got) != "x"+enc {
			t.Fatalf("AppendBlob(%x) = %q, want x%q", want, got, enc)
		}
	}
}

func TestBlobMatchesEncodingJSON(t *testing.T) {
	for _, c := range blobCases() {
		checkBlob(t, c)
	}
}

func FuzzBlob(f *testing.F) {
	for _, c := range blobCases() {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, text []byte) {
		checkBlob(t, text)
		// And every byte string's own encoding round-trips.
		enc := AppendBlob(nil, text)
		if want := base64.StdEncoding.EncodeToString(text); string(enc) != want {
			t.Fatalf("AppendBlob(%x) = %q, want %q", text, enc, want)
		}
		n, ok := DecodeBlobInPlace(enc)
		if !ok || !bytes.Equal(enc[:n], text) {
			t.Fatalf("round trip of %x: %x %v", text, enc[:n], ok)
		}
	})
}

func TestPutRecordOutputAppendJSON(t *testing.T) {
	for _, o := range []PutRecordOutput{
		{ShardId: "shardId-000000000003", SequenceNumber: "49658011922465519462147398711549004513342547498419093506", EncryptionType: "NONE"},
		{ShardId: "shardId-000000000000", SequenceNumber: "1"},
		{ShardId: "a\"b\\c\u00e9\x01<", SequenceNumber: "", EncryptionType: "KMS"},
	} {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(&o); err != nil {
			t.Fatal(err)
		}
		if got, want := string(o.AppendJSON(nil)), strings.TrimSuffix(b.String(), "\n"); got != want {
			t.Errorf("AppendJSON = %s, encoding/json %s", got, want)
		}
	}
}

func TestAppendJSONStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{"", "plain", "a\"b\\c", "<&>", "\x00\x1f\t\n\r", "é\u2028\u2029x", "bad\xff\xfeutf8", "😀"} {
		want, _ := json.Marshal(s)
		if got := AppendJSONString(nil, []byte(s), true); string(got) != string(want) {
			t.Errorf("escapeHTML %q: %s, json.Marshal %s", s, got, want)
		}
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(s)
		if got := AppendJSONString(nil, []byte(s), false); string(got) != strings.TrimSuffix(b.String(), "\n") {
			t.Errorf("no escapeHTML %q: %s, Encoder %s", s, got, b.String())
		}
	}
}
