package delivery

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/rheo-dev/rheo/internal/shardlog"
)

func TestCreateGetListUpdateDelete(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	e := newEnv(t, dir, nil, nil)
	spec := directSpec(1<<20, time.Hour)
	def, err := e.m.Create(ctx, "b", spec, json.RawMessage(`{"arn":"x"}`))
	if err != nil {
		t.Fatal(err)
	}
	if def.Name != "b" || def.UID == 0 || def.Spec.Version != 1 || string(def.API) != `{"arn":"x"}` {
		t.Fatalf("created %+v", def)
	}
	if _, err := e.m.Create(ctx, "b", spec, nil); !errors.Is(err, ErrExists) {
		t.Fatalf("second create: %v, want ErrExists", err)
	}
	if _, err := e.m.Create(ctx, "a", spec, nil); err != nil {
		t.Fatal(err)
	}
	if l := e.m.List(); len(l) != 2 || l[0].Name != "a" || l[1].Name != "b" {
		t.Fatalf("list %+v", l)
	}
	// Update: an error from fn changes nothing; a success is persisted.
	if _, err := e.m.Update(ctx, "b", func(d *Definition) error { d.Spec.Version = 9; return errors.New("no") }); err == nil {
		t.Fatal("update with failing fn succeeded")
	}
	if d, _ := e.m.Get("b"); d.Spec.Version != 1 {
		t.Fatalf("failed update leaked: %+v", d.Spec)
	}
	up, err := e.m.Update(ctx, "b", func(d *Definition) error {
		d.Spec.Version = 2
		d.Spec.Dest.Prefix = "p/"
		d.API = json.RawMessage(`{"arn":"y"}`)
		d.UID = 12345 // ignored
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if up.Spec.Version != 2 || up.UID != def.UID {
		t.Fatalf("updated %+v", up)
	}
	if _, err := e.m.Update(ctx, "b", func(d *Definition) error { d.Spec.Source = SourceKinesis; return nil }); err == nil {
		t.Fatal("source change accepted")
	}
	if _, err := e.m.Update(ctx, "zz", func(d *Definition) error { return nil }); !errors.Is(err, ErrNotFound) {
		t.Fatalf("update of missing: %v", err)
	}
	// Get returns a copy.
	g, _ := e.m.Get("b")
	g.Spec.Dest.Prefix = "mutated"
	if g2, _ := e.m.Get("b"); g2.Spec.Dest.Prefix != "p/" {
		t.Fatal("Get shares state")
	}

	ids, _, err := e.m.Put(ctx, "b", [][]byte{[]byte("r1"), []byte("r2")})
	if err != nil || len(ids) != 2 || ids[0] == ids[1] || ids[0] == "" {
		t.Fatalf("put: %v %v", ids, err)
	}
	if _, _, err := e.m.Put(ctx, "nope", [][]byte{[]byte("x")}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("put to missing: %v", err)
	}

	// Restart: definitions survive.
	e.close()
	e = newEnv(t, dir, nil, nil)
	d, ok := e.m.Get("b")
	if !ok || d.Spec.Version != 2 || d.Spec.Dest.Prefix != "p/" || string(d.API) != `{"arn":"y"}` || !d.Created.Equal(def.Created) {
		t.Fatalf("after restart: %+v %v", d, ok)
	}
	if err := e.m.Delete(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	if _, ok := e.m.Get("b"); ok {
		t.Fatal("deleted stream still there")
	}
	if _, err := e.log.Info(internalShard(def.UID)); !errors.Is(err, shardlog.ErrShardNotFound) {
		t.Fatalf("internal log not deleted: %v", err)
	}
	if err := e.m.Delete(ctx, "b"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	// A re-created namesake gets a new internal log.
	def2, err := e.m.Create(ctx, "b", spec, nil)
	if err != nil || def2.UID == def.UID {
		t.Fatalf("re-create: %+v %v", def2, err)
	}
	e.close()
	e = newEnv(t, dir, nil, nil)
	if l := e.m.List(); len(l) != 2 {
		t.Fatalf("after second restart: %+v", l)
	}
}

func TestPutOnKinesisSourceRefused(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, "", nil, nil)
	createKinesisStream(t, e, "src", 1)
	if _, err := e.m.Create(ctx, "k", Spec{Source: SourceKinesis, KinesisStream: "src", Dest: directSpec(1<<20, time.Hour).Dest}, nil); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.m.Put(ctx, "k", [][]byte{[]byte("x")}); !errors.Is(err, ErrNotDirectPut) {
		t.Fatalf("put: %v, want ErrNotDirectPut", err)
	}
	if _, err := e.m.Create(ctx, "k2", Spec{Source: SourceKinesis, KinesisStream: "nope", Dest: directSpec(1<<20, time.Hour).Dest}, nil); !errors.Is(err, ErrSourceNotFound) {
		t.Fatalf("create from missing source: %v", err)
	}
}

func TestRepairMissingInternalShard(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	e := newEnv(t, dir, nil, nil)
	def, err := e.m.Create(ctx, "b", directSpec(1<<20, time.Hour), nil)
	if err != nil {
		t.Fatal(err)
	}
	// Simulate a crash between storing the definition and creating the shard.
	if err := e.log.DeleteShard(internalShard(def.UID)); err != nil {
		t.Fatal(err)
	}
	e.close()
	e = newEnv(t, dir, nil, nil)
	if _, _, err := e.m.Put(ctx, "b", [][]byte{[]byte("x")}); err != nil {
		t.Fatalf("put after repair: %v", err)
	}
}

func TestDeleteFinishedAfterCrash(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	e := newEnv(t, dir, nil, nil)
	def, err := e.m.Create(ctx, "b", directSpec(1<<20, time.Hour), nil)
	if err != nil {
		t.Fatal(err)
	}
	// Simulate a crash after Delete marked the record.
	s := e.m.lookup("b")
	s.mu.Lock()
	rec := s.rec
	s.mu.Unlock()
	rec.State.Deleting = true
	if err := putStored(e.meta, &rec); err != nil {
		t.Fatal(err)
	}
	e.close()
	e = newEnv(t, dir, nil, nil)
	if _, ok := e.m.Get("b"); ok {
		t.Fatal("half-deleted stream came back")
	}
	if _, err := e.log.Info(internalShard(def.UID)); !errors.Is(err, shardlog.ErrShardNotFound) {
		t.Fatalf("internal log not deleted: %v", err)
	}
}

func TestNilAPIStaysNil(t *testing.T) {
	dir := t.TempDir()
	e := newEnv(t, dir, nil, nil)
	if _, err := e.m.Create(context.Background(), "b", directSpec(1<<20, time.Hour), nil); err != nil {
		t.Fatal(err)
	}
	if d, _ := e.m.Get("b"); d.API != nil {
		t.Fatalf("API %q, want nil", d.API)
	}
	e.close()
	e = newEnv(t, dir, nil, nil)
	if d, _ := e.m.Get("b"); d.API != nil {
		t.Fatalf("API after restart %q, want nil", d.API)
	}
}
