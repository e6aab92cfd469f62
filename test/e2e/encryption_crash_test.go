package e2e

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// TestEncryptionCrashRecovery SIGKILLs the server under PutRecords load
// while another client keeps starting and stopping the stream's
// encryption. After each restart every acknowledged record reads back
// exactly once (so none is half-encrypted or undecryptable), and no record
// that GetRecords reports as KMS is in clear in a segment file or the
// journal.
func TestEncryptionCrashRecovery(t *testing.T) {
	const (
		cycles  = 3
		workers = 4
		batch   = 50
		stream  = "enccrash"
	)
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(uint64(seed), 1))

	p := startRheo(t)
	ctx := ctxT(t, 150*time.Second)
	c := newKinesis(p.endpoint())
	createStreamActive(ctx, t, c, stream, 2)
	l := newLedger()
	for cycle := range cycles {
		wc := newKinesisNoRetry(p.endpoint())
		var killed atomic.Bool
		var wg sync.WaitGroup
		var toggles atomic.Int64
		before := l.ackedCount()
		cycleStart := time.Now()
		for w := range workers {
			wr := rand.New(rand.NewPCG(uint64(seed), uint64(cycle*workers+w+1)))
			wg.Add(1)
			go func() {
				defer wg.Done()
				for b := 0; !killed.Load(); b++ {
					entries := make([]types.PutRecordsRequestEntry, batch)
					for i := range entries {
						entries[i] = makeEntry(wr, fmt.Sprintf("c%d-w%d-b%d-r%d|", cycle, w, b, i))
					}
					if err := l.putBatch(ctx, wc, stream, entries); err != nil {
						if !killed.Load() && isSDKClosedConnRace(err) {
							continue
						}
						if !killed.Load() {
							t.Errorf("cycle %d worker %d: PutRecords before the kill: %v", cycle, w, err)
						}
						return
					}
				}
			}()
		}
		// The toggler: Start and Stop as fast as the stream's UPDATING
		// state allows, so kills land inside both.
		wg.Add(1)
		go func() {
			defer wg.Done()
			keys := []string{"alias/aws/kinesis", "arn:aws:kms:us-east-1:123456789012:key/12345678-1234-1234-1234-123456789012"}
			for i := 0; !killed.Load(); i++ {
				var err error
				if i%2 == 0 {
					_, err = wc.StartStreamEncryption(ctx, &kinesis.StartStreamEncryptionInput{StreamName: aws.String(stream), EncryptionType: types.EncryptionTypeKms, KeyId: aws.String(keys[i/2%2])})
				} else {
					_, err = wc.StopStreamEncryption(ctx, &kinesis.StopStreamEncryptionInput{StreamName: aws.String(stream), EncryptionType: types.EncryptionTypeKms, KeyId: aws.String(keys[i/2%2])})
				}
				var inUse *types.ResourceInUseException
				switch {
				case err == nil:
					toggles.Add(1)
				case errors.As(err, &inUse):
					i-- // still UPDATING: try the same again
				case killed.Load():
					return
				default:
					if !isSDKClosedConnRace(err) {
						t.Errorf("cycle %d: encryption toggle: %v", cycle, err)
						return
					}
				}
				time.Sleep(10 * time.Millisecond)
			}
		}()
		for l.ackedCount() == before && time.Since(cycleStart) < 10*time.Second && !t.Failed() {
			time.Sleep(5 * time.Millisecond)
		}
		time.Sleep(time.Duration(300+rng.IntN(900)) * time.Millisecond)
		killed.Store(true)
		p.kill()
		wg.Wait()
		t.Logf("cycle %d: %d records acked, %d encryption changes", cycle, l.ackedCount()-before, toggles.Load())
		if t.Failed() {
			return
		}
		if l.ackedCount() == before || toggles.Load() == 0 {
			t.Fatalf("cycle %d: nothing acknowledged or no encryption change before the kill; the test proves nothing", cycle)
		}

		clear := plaintextIDs(t, p.dataDir)
		p.start()
		l.verify(ctx, t, c, stream)
		encrypted := 0
		for _, recs := range readAll(ctx, t, c, stream) {
			for _, r := range recs {
				if r.EncryptionType != types.EncryptionTypeKms {
					continue
				}
				encrypted++
				if id := recordID.Find(r.Data); clear[string(id)] {
					t.Errorf("record %q is reported KMS but is in clear on disk", id)
				}
			}
		}
		if encrypted == 0 {
			t.Errorf("cycle %d: no record read back as KMS", cycle)
		}
		if t.Failed() {
			return
		}
	}
}

// recordID matches the unique id makeEntry puts at the start of a payload.
var recordID = regexp.MustCompile(`c\d+-w\d+-b\d+-r\d+\|`)

// plaintextIDs returns the record ids found in clear anywhere under the
// stream data of dataDir (segments and journal).
func plaintextIDs(t *testing.T, dataDir string) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	err := filepath.WalkDir(filepath.Join(dataDir, "streams"), func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range recordID.FindAll(b, -1) {
			out[string(m)] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
