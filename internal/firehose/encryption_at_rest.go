package firehose

import "time"

// The put path (PutRecord, PutRecordBatch) and the server's at-rest
// wrapper need a few facts about a delivery stream on every call: whether
// it is ACTIVE, whether it is Direct PUT, and its server-side encryption.
// Decoding them from the stored definition per call cost a JSON clone and
// a JSON decode — a third of a PutRecord's CPU — so they are kept in an
// atomic snapshot, rebuilt after every change that affects them (create,
// start/stop encryption, delete). Nothing else changes those fields.
//
// Server-side encryption: Firehose encrypts the data it holds before
// delivery; rheo holds it in the stream's internal shard log, so with
// encryption on those records are sealed on disk by the at-rest wrapper
// (internal/atrest), exactly like an encrypted Kinesis stream's. Delivered
// objects are plain, as on AWS (S3 encryption is the bucket's business).

// awsOwnedKeyID names the key of AWS_OWNED_CMK encryption.
const awsOwnedKeyID = "aws/firehose"

// putView is what the put path needs of one delivery stream.
type putView struct {
	readyAt time.Time // CREATING until then
	kinesis bool      // KinesisStreamAsSource: puts are refused
}

// views is the snapshot the put path and EncryptionFor read.
type views struct {
	byName map[string]putView
	keyOf  map[uint64]string // internal-log UID → key id, encryption on
}

// EncryptionFor reports whether the internal log with shard-log stream id
// uid belongs to a delivery stream with encryption on, and the key id its
// records are sealed under. It is safe for concurrent use and cheap.
func (s *Server) EncryptionFor(uid uint64) (keyID string, on bool) {
	v := s.views.Load()
	if v == nil {
		return "", false
	}
	keyID, on = v.keyOf[uid]
	return keyID, on
}

// refreshViews rebuilds the snapshot.
func (s *Server) refreshViews() {
	v := &views{byName: make(map[string]putView), keyOf: make(map[uint64]string)}
	for _, def := range s.eng.List() {
		st, err := decodeState(def)
		if err != nil {
			continue // not a Firehose stream (a Kinesis channel's definition)
		}
		v.byName[def.Name] = putView{readyAt: st.ReadyAt, kinesis: st.Type == typeKinesis}
		if def.UID == 0 || st.Enc.Target != encEnabled {
			continue // Kinesis-sourced (no internal log), or encryption off
		}
		key := st.Enc.KeyARN
		if key == "" {
			key = awsOwnedKeyID
		}
		v.keyOf[def.UID] = key
	}
	s.views.Store(v)
}
