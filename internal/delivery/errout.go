package delivery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/rheo-dev/rheo/internal/objkey"
)

// errorRecord is one line of an error output object, in Firehose's shape.
// Records that failed dynamic partitioning use errorCode/errorMessage (the
// processing-failed shape of the Firehose developer guide, "Handle failure
// in data transformation"); records that failed format conversion use
// lastErrorCode/lastErrorMessage and dataCatalogTable ("Handling errors for
// data format conversion").
type errorRecord struct {
	AttemptsMade           int           `json:"attemptsMade"`
	ArrivalTimestamp       int64         `json:"arrivalTimestamp"`
	ErrorCode              string        `json:"errorCode,omitempty"`
	ErrorMessage           string        `json:"errorMessage,omitempty"`
	LastErrorCode          string        `json:"lastErrorCode,omitempty"`
	LastErrorMessage       string        `json:"lastErrorMessage,omitempty"`
	AttemptEndingTimestamp int64         `json:"attemptEndingTimestamp"`
	RawData                []byte        `json:"rawData"` // base64 in JSON
	SequenceNumber         string        `json:"sequenceNumber,omitempty"`
	SubSequenceNumber      *int          `json:"subSequenceNumber,omitempty"`
	DataCatalogTable       *catalogTable `json:"dataCatalogTable,omitempty"`
}

// catalogTable names the schema table of a conversion (rheo's SQL catalog
// stands in for Glue).
type catalogTable struct {
	CatalogID    string `json:"catalogId"`
	DatabaseName string `json:"databaseName"`
	TableName    string `json:"tableName"`
	Region       string `json:"region"`
	VersionID    string `json:"versionId"`
}

// putErrors writes the failed records of a batch under the error output
// prefix, one object per rendered key, and returns how many it wrote.
// dataKeys are the keys of the batch's data objects: an error key equal to
// one (a static ErrorOutputPrefix that is also a record's evaluated
// Prefix) takes a random derived from the batch's, or the error object
// would replace the data object.
func (w *worker) putErrors(ctx context.Context, plan *batchPlan, layout *objkey.Layout, fails []failure, attempt int, dataKeys []string) (int64, error) {
	if len(fails) == 0 {
		return 0, nil
	}
	dest := &plan.Spec.Dest
	now := w.m.now().UnixMilli()
	type object struct {
		key  string
		recs []userRecord
	}
	var objects []*object
	byKey := make(map[string]*object)
	// Group by error type first: an object's time is its oldest record's.
	var types []string
	byType := make(map[string][]failure)
	for _, f := range fails {
		if _, ok := byType[f.errType]; !ok {
			types = append(types, f.errType)
		}
		byType[f.errType] = append(byType[f.errType], f)
	}
	for _, t := range types {
		fs := byType[t]
		var old int64
		for _, f := range fs {
			if old == 0 || f.rec.ts < old {
				old = f.rec.ts
			}
		}
		p := objkey.Params{
			Stream: w.s.name(), Version: plan.Spec.Version, Time: msTime(old), Random: plan.Random,
			ErrorType: t, Extension: objkey.Extension(dest.Compression, false, ""),
		}
		key := layout.ErrorKey(p)
		if slices.Contains(dataKeys, key) {
			p.Random = objkey.DerivedRandom(plan.Random, "error-output")
			key = layout.ErrorKey(p)
		}
		o := byKey[key]
		if o == nil {
			o = &object{key: key}
			byKey[key] = o
			objects = append(objects, o)
		}
		for _, f := range fs {
			line, err := json.Marshal(w.errorRecord(plan, f, attempt, now))
			if err != nil {
				return 0, fmt.Errorf("encode error record: %w", err)
			}
			o.recs = append(o.recs, userRecord{data: line, ts: f.rec.ts})
		}
	}
	for _, o := range objects {
		if err := w.putEncoded(ctx, dest, o.key, o.recs, true); err != nil {
			return 0, err
		}
	}
	return int64(len(fails)), nil
}

// errorRecord renders one failure.
func (w *worker) errorRecord(plan *batchPlan, f failure, attempt int, now int64) errorRecord {
	r := errorRecord{
		AttemptsMade: attempt, ArrivalTimestamp: f.rec.ts, AttemptEndingTimestamp: now,
		RawData: f.rec.data, SequenceNumber: f.rec.seq,
	}
	if f.rec.hasSub {
		sub := f.rec.sub
		r.SubSequenceNumber = &sub
	}
	if f.errType == errTypeConversion {
		r.LastErrorCode, r.LastErrorMessage = f.code, f.message
		if c := plan.Spec.Dest.Conversion; c != nil {
			r.DataCatalogTable = &catalogTable{DatabaseName: c.Database, TableName: c.Table, VersionID: "LATEST"}
		}
	} else {
		r.ErrorCode, r.ErrorMessage = f.code, f.message
	}
	return r
}

// recordMessage is the errorMessage of a record that failed partitioning.
func recordMessage(err error) string {
	var re *objkey.RecordError
	if errors.As(err, &re) {
		return re.Message()
	}
	return err.Error()
}
