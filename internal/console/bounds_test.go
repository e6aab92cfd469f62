package console

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"testing"
)

// TestIterationsBounded: a job running for days leaves thousands of
// iterations; the endpoint answers with the newest of each logical name
// (on every stream) and says how many it left out.
func TestIterationsBounded(t *testing.T) {
	var bs []Boundary
	for it := int64(0); it < 1000; it++ {
		for sh := 0; sh < 2; sh++ {
			bs = append(bs, Boundary{LogicalName: "job", Stream: "s", Iteration: it, ShardID: fmt.Sprintf("shardId-%012d", sh)})
		}
	}
	bs = append(bs, Boundary{LogicalName: "adhoc", Stream: "s", Iteration: 0, ShardID: "shardId-000000000000"})
	c := newTest(t, Options{Boundaries: func(context.Context) ([]Boundary, error) { return bs, nil }})
	rec := httptest.NewRecorder()
	c.ServeHTTP(rec, httptest.NewRequest("GET", "/console/api/iterations", nil))
	var got struct {
		Iterations []Boundary
		Omitted    int
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if want := 2*MaxIterationsPerName + 1; len(got.Iterations) != want || got.Omitted != 2001-want {
		t.Fatalf("got %d boundaries, %d omitted; want %d, %d", len(got.Iterations), got.Omitted, want, 2001-want)
	}
	if b := got.Iterations[0]; b.LogicalName != "adhoc" {
		t.Errorf("first %+v, want the other logical name kept", b)
	}
	if b := got.Iterations[1]; b.LogicalName != "job" || b.Iteration != 999 || b.ShardID != "shardId-000000000000" {
		t.Errorf("second %+v, want job's newest iteration", b)
	}
	if b := got.Iterations[len(got.Iterations)-1]; b.Iteration != 1000-MaxIterationsPerName {
		t.Errorf("last %+v", b)
	}
}
