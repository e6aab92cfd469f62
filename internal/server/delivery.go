package server

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"

	"github.com/rheo-dev/rheo/internal/awsfix"
	"github.com/rheo-dev/rheo/internal/delivery"
	"github.com/rheo-dev/rheo/internal/firehose"
	"github.com/rheo-dev/rheo/internal/lake"
	"github.com/rheo-dev/rheo/internal/sqlengine"
)

// firehoseTargetPrefix marks Firehose API requests on the shared port.
const firehoseTargetPrefix = "Firehose_20150804."

// openObjects opens the object store: the built-in lake in the data dir,
// or the configured S3-compatible service.
func (s *Server) openObjects(ctx context.Context) (lake.Store, error) {
	if s.cfg.S3Endpoint == "" {
		return lake.NewLocal(filepath.Join(s.dataDir, "lake")), nil
	}
	st, err := lake.NewS3(ctx, lake.S3Options{
		Endpoint:        s.cfg.S3Endpoint,
		Region:          s.cfg.S3Region,
		PathStyle:       s.cfg.S3PathStyle,
		RequestTimeout:  s.cfg.S3RequestTimeout,
		AccessKeyID:     s.cfg.S3AccessKeyID,
		SecretAccessKey: s.cfg.S3SecretAccessKey,
		// S3-compatible servers are often on loopback, where the SDK's
		// request-body race shows (internal/awsfix).
		HTTPClient: awsfix.HTTPClient(0),
	})
	if err != nil {
		return nil, fmt.Errorf("server: S3 endpoint %s: %w", s.cfg.S3Endpoint, err)
	}
	return st, nil
}

// openDelivery starts the delivery engine and the Firehose API over it.
// It runs after the SQL engine (conversion and warehouse loads) and the
// Kinesis API (source streams) are up.
func (s *Server) openDelivery(ctx context.Context) error {
	var err error
	s.delivery, err = delivery.New(ctx, delivery.Options{
		Meta:       s.meta,
		Log:        s.log,
		Store:      s.objects,
		Converter:  sqlConverter{s.sql},
		TempDir:    s.tempDir,
		Warehouse:  sqlLoader{s.sql},
		Logger:     s.logger.With("component", "delivery"),
		SourceRead: s.countSourceRead,
	})
	if err != nil {
		return fmt.Errorf("server: start delivery: %w", err)
	}
	fcfg := firehose.Config{
		Account:    s.cfg.Account,
		Auth:       s.kinesisAuth,
		StateDelay: s.cfg.StateDelay,
		CheckStream: func(name string) bool {
			_, ok := s.meta.Stream(name)
			return ok
		},
		CheckTable:  s.sql.CheckTable,
		CheckBucket: s.objects.CheckBucket,
		Logger:      s.logger.With("component", "firehose"),
	}
	if s.cfg.S3Endpoint != "" {
		// As on AWS, a missing bucket is a delivery failure (shown by
		// DescribeDeliveryStream, retried), not a creation error: the
		// bucket may be made later. Only the name is checked.
		fcfg.CheckBucket = func(_ context.Context, bucket string) error { return lake.ValidateBucket(bucket) }
	}
	if s.firehose, err = firehose.New(fcfg, s.delivery); err != nil {
		return fmt.Errorf("server: start Firehose API: %w", err)
	}
	return nil
}

// isFirehose reports whether r is a Firehose API call.
func isFirehose(r *http.Request) bool {
	return strings.HasPrefix(r.Header.Get("X-Amz-Target"), firehoseTargetPrefix)
}

// sqlConverter adapts the SQL engine to delivery.Converter.
type sqlConverter struct{ eng *sqlengine.Engine }

func (c sqlConverter) CheckTable(ctx context.Context, database, table string) error {
	return c.eng.CheckTable(ctx, database, table)
}

func (c sqlConverter) Convert(ctx context.Context, conv *delivery.Conversion, records [][]byte, path string) (delivery.ConvertResult, error) {
	res, err := c.eng.Convert(ctx, &sqlengine.ConvertRequest{
		Database:          conv.Database,
		Table:             conv.Table,
		Deserializer:      conv.Deserializer,
		CaseInsensitive:   conv.CaseInsensitive,
		ColumnToJSONKey:   conv.ColumnToJSONKey,
		DotsToUnderscores: conv.DotsToUnderscores,
		TimestampFormats:  conv.TimestampFormats,
		Serializer:        conv.Serializer,
		Compression:       conv.Compression,
		Records:           records,
		Path:              path,
	})
	if err != nil {
		return delivery.ConvertResult{}, err
	}
	out := delivery.ConvertResult{Rows: res.Rows, Failed: make([]delivery.RecordFailure, len(res.Failed))}
	for i, f := range res.Failed {
		out.Failed[i] = delivery.RecordFailure{Index: f.Index, Code: f.Code, Message: f.Message}
	}
	return out, nil
}

// sqlLoader adapts the SQL engine to delivery.WarehouseLoader.
type sqlLoader struct{ eng *sqlengine.Engine }

func (l sqlLoader) Load(ctx context.Context, w *delivery.Warehouse, bucket, key, loadID string) (int64, error) {
	return l.eng.Load(ctx, &sqlengine.LoadRequest{
		Table:       w.Table,
		Columns:     w.Columns,
		CopyOptions: w.CopyOptions,
		From:        "s3://" + bucket + "/" + key,
		LoadID:      loadID,
	})
}

// countSourceRead counts a Kinesis-sourced delivery stream's read of its
// source in that stream's GetRecords metrics, as AWS counts Firehose's
// GetRecords calls. A read racing the stream's deletion is not counted:
// metrics for a gone UID would drop the series of a stream re-created
// under the same name.
func (s *Server) countSourceRead(stream string, uid uint64, shard uint32, records, bytes int, millisBehind int64) {
	if st, ok := s.meta.Stream(stream); !ok || st.UID != uid {
		return
	}
	s.metrics.Stream(stream, uid).Shard(shard).Get(records, bytes, millisBehind)
}
