// Package firehose is the Amazon Data Firehose API (JSON 1.1,
// X-Amz-Target: Firehose_20150804.<Action>) on top of the delivery engine
// (internal/delivery). It validates requests exactly as AWS does
// (ValidationException for shape constraints, then the service's own
// InvalidArgumentException, ResourceInUseException, ... with AWS's
// wording), turns a delivery stream's configuration into a delivery.Spec,
// stores what the API must echo (descriptions as sent, tags, encryption,
// statuses) in the definition's opaque API state, and renders
// DescribeDeliveryStream the way AWS does, defaults included.
//
// Layout mirrors internal/kinesis: server.go is the one adapter (dispatch,
// decoding, the one error mapping), auth.go SigV4 and permissions, one
// file per action opening with its behaviour and known gaps against AWS,
// types.go the wire shapes, destination.go the configuration → Spec rules.
package firehose
