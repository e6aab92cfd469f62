package firehose

// The API state of a delivery stream, stored as delivery.Definition.API
// (atomically with the Spec): what the API must echo and the statuses.
// Statuses are lazy, as in internal/kinesis: a stream is CREATING until
// ReadyAt and ACTIVE after it, so transitions are exact and survive
// restarts without timers. DeleteDeliveryStream removes the stream from
// the engine at once and keeps a tombstone in memory, so Describe shows
// DELETING for Config.StateDelay and the name stays taken meanwhile.

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rheo-dev/rheo/internal/delivery"
	"github.com/rheo-dev/rheo/internal/kinesis/wire"
)

// Statuses of a delivery stream and of its encryption.
const (
	statusCreating = "CREATING"
	statusActive   = "ACTIVE"
	statusDeleting = "DELETING"

	encEnabled   = "ENABLED"
	encEnabling  = "ENABLING"
	encDisabled  = "DISABLED"
	encDisabling = "DISABLING"
)

// Delivery stream types rheo serves.
const (
	typeDirectPut = delivery.SourceDirectPut
	typeKinesis   = delivery.SourceKinesis
)

// Destination kinds: the member the destination was created with.
const (
	kindS3         = "S3"
	kindExtendedS3 = "ExtendedS3"
	kindRedshift   = "Redshift"
)

// apiState is the stored API view of one delivery stream.
type apiState struct {
	Region  string    `json:"region"`
	Type    string    `json:"type"`    // DeliveryStreamType
	ReadyAt time.Time `json:"readyAt"` // CREATING until then
	Updated time.Time `json:"updated,omitzero"`

	Kinesis   *KinesisStreamSourceConfiguration `json:"kinesis,omitempty"`
	DirectPut *DirectPutSourceConfiguration     `json:"directPut,omitempty"`

	Kind string `json:"kind"`
	// S3 is the canonical description of an S3 or ExtendedS3 destination
	// (defaults filled); Redshift that of a Redshift destination.
	S3       *ExtendedS3Destination `json:"s3,omitempty"`
	Redshift *RedshiftDestination   `json:"redshift,omitempty"`

	Tags []storedTag `json:"tags,omitempty"`
	Enc  encState    `json:"enc"`
}

// storedTag is one tag, kept in the order it was first added.
type storedTag struct {
	Key   string `json:"k"`
	Value string `json:"v"`
}

// encState is server-side encryption: the target status (ENABLED or
// DISABLED) reached at ReadyAt; before it the status is ENABLING or
// DISABLING.
type encState struct {
	Target  string    `json:"target,omitempty"` // "" means DISABLED
	KeyType string    `json:"keyType,omitempty"`
	KeyARN  string    `json:"keyARN,omitempty"`
	ReadyAt time.Time `json:"readyAt,omitzero"`
}

// status is the encryption status at now.
func (e encState) status(now time.Time) string {
	switch {
	case e.Target == encEnabled && now.Before(e.ReadyAt):
		return encEnabling
	case e.Target == encEnabled:
		return encEnabled
	case now.Before(e.ReadyAt):
		return encDisabling
	}
	return encDisabled
}

// stream is a loaded definition with its decoded API state.
type stream struct {
	def delivery.Definition
	st  *apiState
}

// status is the stream status at now.
func (st *apiState) status(now time.Time) string {
	if now.Before(st.ReadyAt) {
		return statusCreating
	}
	return statusActive
}

// decodeState reads a definition's API state.
func decodeState(def delivery.Definition) (*apiState, error) {
	st := new(apiState)
	if err := json.Unmarshal(def.API, st); err != nil {
		return nil, fmt.Errorf("firehose: API state of %s: %w", def.Name, err)
	}
	return st, nil
}

// encode serialises the state for the engine.
func (st *apiState) encode() (json.RawMessage, error) {
	b, err := json.Marshal(st)
	if err != nil {
		return nil, fmt.Errorf("firehose: encode API state: %w", err)
	}
	return b, nil
}

// tomb is a deleted stream's last description, shown as DELETING until
// goneAt.
type tomb struct {
	desc   *DeliveryStreamDescription
	goneAt time.Time
}

// tombLocked returns the live tombstone of name, dropping expired ones.
// s.mu must be held.
func (s *Server) tombLocked(name string, now time.Time) (tomb, bool) {
	t, ok := s.tombs[name]
	if !ok {
		return tomb{}, false
	}
	if !now.Before(t.goneAt) {
		delete(s.tombs, name)
		return tomb{}, false
	}
	return t, true
}

// load returns the named stream or AWS's ResourceNotFoundException.
func (s *Server) load(name string) (*stream, error) {
	def, ok := s.eng.Get(name)
	if !ok {
		return nil, s.notFound(name)
	}
	st, err := decodeState(def)
	if err != nil {
		return nil, err
	}
	return &stream{def: def, st: st}, nil
}

// notActive is the ResourceInUseException of an action that needs an
// ACTIVE stream.
func (s *Server) notActive(name, status string) error {
	return wire.ResourceInUse("Firehose %s under account %s is in %s state and cannot be modified now; retry when it is ACTIVE.", name, s.cfg.Account, status)
}

// engineErr maps the engine's errors: a missing stream becomes AWS's
// ResourceNotFoundException, what the engine cannot do an
// InvalidArgumentException; API errors pass through.
func (s *Server) engineErr(name string, err error) error {
	switch {
	case errors.Is(err, delivery.ErrNotFound):
		return s.notFound(name)
	case errors.Is(err, delivery.ErrNotDirectPut):
		return errNotOnKinesis()
	case errors.Is(err, delivery.ErrSourceNotFound):
		return wire.InvalidArgument("The source Kinesis stream of Firehose %s does not exist.", name)
	case errors.Is(err, delivery.ErrUnsupported):
		return wire.InvalidArgument("%s", strings.TrimPrefix(err.Error(), "delivery: "))
	}
	if _, ok := wire.AsError(err); ok {
		return err
	}
	return fmt.Errorf("delivery stream %s: %w", name, err)
}
