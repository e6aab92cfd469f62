// PutResourcePolicy, GetResourcePolicy and DeleteResourcePolicy: the
// resource-based (IAM) policy of a stream or consumer, by ResourceARN.
//
// Behaviour: the policy (1-20,480 characters) must be a JSON object; it is
// stored in meta namespace policyNS under the resource's stream UID (and
// consumer name and creation time), so a re-created stream or consumer
// starts without one, and GetResourcePolicy echoes it byte for byte.
// GetResourcePolicy of a resource without a policy answers "{}", as AWS
// does.
//
// Known gaps vs AWS: policies are stored, not enforced — rheo's access
// control is Config.Auth (docs/auth.md); statements are not checked
// against IAM's grammar, only for being a JSON object (the
// InvalidArgumentException wording is rheo's); DeleteResourcePolicy of a
// resource with no policy succeeds.
package kinesis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/rheo-dev/rheo/internal/kinesis/wire"
	"github.com/rheo-dev/rheo/internal/meta"
)

// policyNS is the meta namespace of resource policies.
const policyNS = "kinesis.policies"

// maxPolicyLen is AWS's limit on a policy document.
const maxPolicyLen = 20480

// policyKey is the meta key of a resource's policy.
func policyKey(r resource) string {
	if r.consumer == nil {
		return fmt.Sprintf("%016x", r.st.UID)
	}
	return fmt.Sprintf("%016x/%s:%d", r.st.UID, r.consumer.Name, r.consumer.CreatedAt.Unix())
}

// storedPolicy is the stored form of a policy.
type storedPolicy struct {
	Policy string `json:"policy"`
}

func (s *Server) putResourcePolicy(ctx context.Context, in *wire.PutResourcePolicyInput) (*wire.Empty, error) {
	var v wire.Validation
	checkResourceARN(&v, in.ResourceARN)
	if in.Policy == nil {
		v.Null("policy")
	} else if n := utf16Len(*in.Policy); n < 1 {
		v.Fail("policy", in.Policy, "Member must have length greater than or equal to 1")
	} else if n > maxPolicyLen {
		v.FailNoValue("policy", "Member must have length less than or equal to 20480")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal([]byte(*in.Policy), &doc); err != nil {
		return nil, wire.InvalidArgument("Invalid policy document: it must be a JSON object (%s).", strings.TrimPrefix(err.Error(), "json: "))
	}
	r, err := s.resolveResource(ctx, *in.ResourceARN)
	if err != nil {
		return nil, err
	}
	if err := s.meta.Put(policyNS, policyKey(r), &storedPolicy{Policy: *in.Policy}); err != nil {
		return nil, fmt.Errorf("store policy of %s: %w", *in.ResourceARN, err)
	}
	return &wire.Empty{}, nil
}

func (s *Server) getResourcePolicy(ctx context.Context, in *wire.ResourceARNInput) (*wire.GetResourcePolicyOutput, error) {
	r, err := s.resourceFromARN(ctx, in.ResourceARN)
	if err != nil {
		return nil, err
	}
	var p storedPolicy
	ok, err := s.meta.Get(policyNS, policyKey(r), &p)
	if err != nil {
		return nil, fmt.Errorf("read policy of %s: %w", *in.ResourceARN, err)
	}
	if !ok {
		return &wire.GetResourcePolicyOutput{Policy: "{}"}, nil
	}
	return &wire.GetResourcePolicyOutput{Policy: p.Policy}, nil
}

func (s *Server) deleteResourcePolicy(ctx context.Context, in *wire.ResourceARNInput) (*wire.Empty, error) {
	r, err := s.resourceFromARN(ctx, in.ResourceARN)
	if err != nil {
		return nil, err
	}
	if err := s.meta.Delete(policyNS, policyKey(r)); err != nil && !errors.Is(err, meta.ErrNotFound) {
		return nil, fmt.Errorf("delete policy of %s: %w", *in.ResourceARN, err)
	}
	return &wire.Empty{}, nil
}
