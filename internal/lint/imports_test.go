package lint

import (
	"os/exec"
	"strings"
	"testing"
)

const mod = "github.com/rheo-dev/rheo/"

// allowed lists, for each package (by path below the module), the project
// packages it may import. A package missing from the table may import
// nothing of the project; a new package must be added here on purpose.
var allowed = map[string][]string{
	"internal/dirlock":      {},
	"internal/awsfix":       {},
	"internal/seqnum":       {},
	"internal/kinesis/wire": {},
	"internal/shardlog":     {"internal/seqnum"},
	"internal/meta":         {},
	"internal/iteration":    {"internal/meta", "internal/shardlog", "internal/seqnum"},
	"internal/kpl":          {},
	"internal/auth":         {},
	"internal/atrest":       {"internal/shardlog"},
	"internal/pgwire":       {},
	"internal/lake":         {},
	"internal/compress":     {},
	"internal/objkey":       {},
	"internal/console":      {},
	"internal/metrics":      {},
	"internal/sqlengine":    {"internal/meta", "internal/shardlog", "internal/seqnum", "internal/iteration", "internal/kpl", "internal/lake", "internal/compress"},
	"internal/delivery": {"internal/meta", "internal/shardlog", "internal/seqnum", "internal/kpl", "internal/lake", "internal/compress",
		"internal/objkey"},
	"internal/firehose": {"internal/delivery", "internal/objkey", "internal/lake", "internal/compress", "internal/meta", "internal/auth", "internal/kinesis/wire"},
	"internal/kinesis":  {"internal/kinesis/wire", "internal/meta", "internal/shardlog", "internal/seqnum", "internal/auth", "internal/delivery", "internal/metrics"},
	"internal/server": {"internal/dirlock", "internal/meta", "internal/shardlog", "internal/kinesis", "internal/kinesis/wire", "internal/seqnum",
		"internal/auth", "internal/atrest", "internal/pgwire", "internal/sqlengine", "internal/iteration", "internal/lake", "internal/delivery",
		"internal/firehose", "internal/awsfix", "internal/console", "internal/metrics"},
	"internal/cli":      {"internal/kinesis/wire", "internal/seqnum", "internal/kpl", "internal/awsfix"},
	"internal/demo":     {"internal/server", "internal/awsfix"},
	"cmd/rheo":          {"internal/server", "internal/cli", "internal/demo"},
	"internal/lint":     {},
	"internal/testcert": {},
	"test/e2e":          {"internal/seqnum", "internal/awsfix"},
	"bench/loadgen":     {"internal/awsfix"},
	"bench/peers":       {"internal/awsfix"},
}

// TestForbiddenImports enforces the table above over `go list` output, so a
// layering slip (the shard log importing HTTP code, say) fails CI.
func TestForbiddenImports(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, mod+"...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg := strings.TrimPrefix(fields[0], mod)
		ok, known := allowed[pkg]
		if !known {
			t.Errorf("package %s is not in the import table of internal/lint; add it with the imports it may use", pkg)
			continue
		}
		for _, imp := range fields[1:] {
			if !strings.HasPrefix(imp, mod) {
				continue
			}
			dep := strings.TrimPrefix(imp, mod)
			if !contains(ok, dep) {
				t.Errorf("%s imports %s, which the layering forbids (see DESIGN.md)", pkg, dep)
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
