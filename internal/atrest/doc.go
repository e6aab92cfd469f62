// Package atrest encrypts record data at rest: a shardlog.Log wrapper that
// seals the Data of every record appended to a stream whose encryption is
// on (Kinesis StartStreamEncryption) and opens it again on Read, so every
// reader of the wrapped log — GetRecords, SubscribeToShard, SQL, delivery —
// sees plaintext while the segment files hold only ciphertext.
//
// # Format
//
// An encrypted record carries shardlog.FlagEncrypted and its Data is an
// envelope (docs/format/segment.md): version 1, the 8-byte fingerprint of
// the stream's KMS KeyId, a random 96-bit nonce, then the AES-256-GCM
// ciphertext and tag. The data key of a KeyId is HKDF-SHA256 of the master
// key with the fingerprint as info, so a record names its own key and no
// key registry has to be kept: records written under an earlier KeyId (a
// stream whose encryption was stopped and started again with another key)
// still open. The additional data binds the envelope to its stream and
// shard.
//
// # Keys
//
// The master key is 32 bytes, either kept in the metadata store
// (meta.Store.Secret("atrest-master"), the default) or read from a key file
// (ReadKeyFile) so it can live apart from the data. Losing it loses every
// encrypted record. Opening with a different master key fails every
// encrypted record with ErrWrongKey (never garbage): GCM authenticates.
// Keys.Check gives a one-way check value of the master key; `rheo serve`
// stores it in meta before the first record is sealed and refuses to start
// with a key whose check differs, so a wrong key file is an error at start,
// not unreadable records and new ones sealed under a second key.
//
// # Guarantees and gaps
//
// Only Data is encrypted; partition keys, explicit hash keys, offsets and
// arrival times stay in clear, as Kinesis's own at-rest encryption leaves
// the partition key visible to its routing. Records appended before
// encryption was turned on stay plaintext (flags 0), as on AWS. KMS is not
// contacted: KeyId is a label that selects a derived key.
package atrest
