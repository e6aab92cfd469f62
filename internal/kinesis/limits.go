// Limits of the stream-management actions. The fixed ones are AWS's
// documented constraints (API reference); the account quotas are Config
// fields whose defaults live here.
//
// Known gaps vs AWS: AWS's default shard quota is 20,000 in us-east-1,
// us-west-2 and eu-west-1 and 1,000 (or 6,000) elsewhere; rheo defaults to
// 1,000 whatever the region, because one host serves every region.
package kinesis

const (
	// defaultShardLimit is the account shard quota (Config.ShardLimit).
	defaultShardLimit = 1000
	// defaultOnDemandStreamCountLimit is AWS's default quota of ON_DEMAND
	// streams per account.
	defaultOnDemandStreamCountLimit = 50
	// defaultOnDemandShardCount is how many shards AWS gives a new ON_DEMAND
	// stream (4 MB/s write capacity).
	defaultOnDemandShardCount = 4

	// maxStreamNameLen bounds stream names (1..128 of [a-zA-Z0-9_.-]).
	maxStreamNameLen = 128
	// maxShardIDLen bounds shard ids in ExclusiveStartShardId and filters.
	maxShardIDLen = 128

	// Retention bounds, in hours, and the default of a new stream.
	minRetentionHours     = 24
	maxRetentionHours     = 8760
	defaultRetentionHours = 24

	// Tags: per stream, per request map (the API shape), key and value
	// lengths, keys per RemoveTagsFromStream, page size of
	// ListTagsForStream.
	maxTagsPerStream     = 50
	maxTagsPerRequest    = 200
	maxTagKeyLen         = 128
	maxTagValueLen       = 256
	maxTagKeysPerRemove  = 50
	maxListTagsLimit     = 50
	defaultListTagsLimit = 10

	// Page sizes of DescribeStream, ListStreams and ListShards. The max*
	// bounds are the model's validated range; DescribeStream and ListShards
	// then return no more than their default however much more is asked
	// for, as the API reference says ("If you specify a value greater than
	// 100, at most 100 results are returned").
	maxDescribeLimit      = 10000
	defaultDescribeLimit  = 100
	maxListStreamsLimit   = 10000
	defaultListStreams    = 100
	maxListShardsResults  = 10000
	defaultListShardsSize = 1000

	// nextTokenTTLSeconds is how long a ListShards NextToken stays valid.
	nextTokenTTLSeconds = 300
)

// maxPartitionKeyLen is AWS's partition key limit. AWS's services are Java,
// so string lengths are counted in UTF-16 code units, not bytes or runes.
const maxPartitionKeyLen = 256

// utf16Len counts UTF-16 code units, as AWS's length constraints do: runes
// outside the Basic Multilingual Plane count twice; invalid bytes count once.
func utf16Len[T string | []byte](s T) int {
	n := 0
	for _, r := range string(s) {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}
