package wire

import (
	"fmt"
	"strconv"
	"strings"
)

// Validation collects constraint failures and renders them the way AWS's
// Coral frameworks do:
//
//	1 validation error detected: Value '0' at 'shardCount' failed to satisfy constraint: Member must have value greater than or equal to 1
//	2 validation errors detected: Value ...; Value ...
//
// Field paths are the members' lowerCamel names, with list members written
// as 'records.1.member.data' (1-based).
type Validation struct{ msgs []string }

// Fail records that value at path broke constraint. value is rendered as
// AWS does: strings and numbers quoted, nil as the bare word null.
func (v *Validation) Fail(path string, value any, constraint string) {
	v.msgs = append(v.msgs, fmt.Sprintf("Value %s at '%s' failed to satisfy constraint: %s", render(value), path, constraint))
}

// Null records a missing required member.
func (v *Validation) Null(path string) {
	v.msgs = append(v.msgs, fmt.Sprintf("Value null at '%s' failed to satisfy constraint: Member must not be null", path))
}

// Failed reports whether any failure was recorded.
func (v *Validation) Failed() bool { return len(v.msgs) > 0 }

// Err returns the ValidationException, or nil when nothing failed.
func (v *Validation) Err() error {
	if len(v.msgs) == 0 {
		return nil
	}
	noun := "errors"
	if len(v.msgs) == 1 {
		noun = "error"
	}
	return newErr(ErrValidation, "%d validation %s detected: %s", len(v.msgs), noun, strings.Join(v.msgs, "; "))
}

func render(value any) string {
	switch x := value.(type) {
	case nil:
		return "null"
	case string:
		return "'" + x + "'"
	case *string:
		if x == nil {
			return "null"
		}
		return "'" + *x + "'"
	case int:
		return "'" + strconv.Itoa(x) + "'"
	case int64:
		return "'" + strconv.FormatInt(x, 10) + "'"
	case *int:
		if x == nil {
			return "null"
		}
		return "'" + strconv.Itoa(*x) + "'"
	case *int64:
		if x == nil {
			return "null"
		}
		return "'" + strconv.FormatInt(*x, 10) + "'"
	case fmt.Stringer:
		return "'" + x.String() + "'"
	default:
		return fmt.Sprintf("'%v'", x)
	}
}
