package firehose

// Server-side encryption of a Direct PUT delivery stream's buffered
// records: Firehose encrypts the data it holds before delivery; rheo holds
// it in the stream's internal shard log, so with encryption on those
// records are sealed on disk by the server's at-rest wrapper
// (internal/atrest), exactly like an encrypted Kinesis stream's. Delivered
// objects are plain, as on AWS (S3 encryption is the bucket's business).
// The wrapper asks EncryptionFor on every append, so it reads an atomic
// snapshot rebuilt after each change (create, start/stop, delete).

// awsOwnedKeyID names the key of AWS_OWNED_CMK encryption.
const awsOwnedKeyID = "aws/firehose"

// EncryptionFor reports whether the internal log with shard-log stream id
// uid belongs to a delivery stream with encryption on, and the key id its
// records are sealed under. It is safe for concurrent use and cheap.
func (s *Server) EncryptionFor(uid uint64) (keyID string, on bool) {
	m := s.encByUID.Load()
	if m == nil {
		return "", false
	}
	keyID, on = (*m)[uid]
	return keyID, on
}

// refreshEncryption rebuilds the snapshot EncryptionFor reads.
func (s *Server) refreshEncryption() {
	m := make(map[uint64]string)
	for _, def := range s.eng.List() {
		if def.UID == 0 {
			continue // Kinesis-sourced: no internal log
		}
		st, err := decodeState(def)
		if err != nil || st.Enc.Target != encEnabled {
			continue
		}
		key := st.Enc.KeyARN
		if key == "" {
			key = awsOwnedKeyID
		}
		m[def.UID] = key
	}
	s.encByUID.Store(&m)
}
