package delivery

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestNoGoroutineLeftAfterDeleteAndClose runs Direct PUT and Kinesis
// streams (one with a failing destination, so a batch is in its backoff),
// deletes some, closes the Manager and checks that every goroutine the
// engine started has ended.
func TestNoGoroutineLeftAfterDeleteAndClose(t *testing.T) {
	before := runtime.NumGoroutine()
	ctx := context.Background()
	fs := &flakyStore{fails: 1 << 30}
	e := newEnv(t, "", nil, func(o *Options) { fs.Store = o.Store; o.Store = fs; o.RetryMin, o.RetryMax = time.Hour, time.Hour })
	createKinesisStream(t, e, "src", 3)
	for i := 0; i < 4; i++ {
		spec := directSpec(1<<20, 0)
		if i%2 == 1 {
			spec.Source, spec.KinesisStream = SourceKinesis, "src"
		}
		if _, err := e.m.Create(ctx, fmt.Sprintf("s%d", i), spec, nil); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"s0", "s2"} {
		if _, _, err := e.m.Put(ctx, name, [][]byte{[]byte("x")}); err != nil {
			t.Fatal(err)
		}
	}
	putKinesis(t, e, "src", 1, []byte("k"))
	time.Sleep(50 * time.Millisecond)
	if err := e.m.Delete(ctx, "s0"); err != nil {
		t.Fatal(err)
	}
	if err := e.m.Delete(ctx, "s1"); err != nil {
		t.Fatal(err)
	}
	e.close()
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			n := runtime.Stack(buf, true)
			var ours []string
			for _, g := range strings.Split(string(buf[:n]), "\n\n") {
				if strings.Contains(g, "internal/delivery.") && !strings.Contains(g, "TestNoGoroutineLeft") {
					ours = append(ours, g)
				}
			}
			t.Fatalf("%d goroutines before, %d after Close; delivery's:\n%s", before, runtime.NumGoroutine(), strings.Join(ours, "\n\n"))
		}
		time.Sleep(10 * time.Millisecond)
	}
}
