package wire

import (
	"encoding/json"
	"errors"
	"testing"
	"time"
)

func TestValidationMessages(t *testing.T) {
	var v Validation
	if v.Err() != nil {
		t.Fatal("empty validation should be nil")
	}
	v.Fail("shardCount", 0, "Member must have value greater than or equal to 1")
	want := "1 validation error detected: Value '0' at 'shardCount' failed to satisfy constraint: Member must have value greater than or equal to 1"
	e, _ := AsError(v.Err())
	if e.Type != "ValidationException" || e.Message != want {
		t.Fatalf("got %s %q", e.Type, e.Message)
	}
	v.Null("streamName")
	e, _ = AsError(v.Err())
	want2 := "2 validation errors detected: Value '0' at 'shardCount' failed to satisfy constraint: Member must have value greater than or equal to 1; Value null at 'streamName' failed to satisfy constraint: Member must not be null"
	if e.Message != want2 {
		t.Fatalf("got %q", e.Message)
	}
	if !errors.Is(v.Err(), ErrValidation) || errors.Is(v.Err(), ErrResourceNotFound) {
		t.Fatal("errors.Is by type broken")
	}
}

func TestTimestampJSON(t *testing.T) {
	ts := Timestamp{time.UnixMilli(1700000000123)}
	b, _ := json.Marshal(ts)
	if string(b) != "1700000000.123" {
		t.Fatalf("marshal = %s", b)
	}
	if b, _ := json.Marshal(Timestamp{time.UnixMilli(1700000000100)}); string(b) != "1700000000.1" {
		t.Fatalf("marshal = %s", b)
	}
	if b, _ := json.Marshal(Timestamp{time.Unix(1700000000, 0)}); string(b) != "1700000000" {
		t.Fatalf("marshal = %s", b)
	}
	for in, want := range map[string]int64{"1700000000.123": 1700000000123, `"1700000000.5"`: 1700000000500, `"2023-11-14T22:13:20.123Z"`: 1700000000123, "1700000000": 1700000000000} {
		var got Timestamp
		if err := json.Unmarshal([]byte(in), &got); err != nil || got.UnixMilli() != want {
			t.Fatalf("unmarshal %s = %d, %v; want %d", in, got.UnixMilli(), err, want)
		}
	}
	for _, bad := range []string{`"x"`, "1e400", `true`} {
		var got Timestamp
		if err := json.Unmarshal([]byte(bad), &got); err == nil {
			t.Fatalf("unmarshal %s accepted", bad)
		}
	}
}
