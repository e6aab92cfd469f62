package cli

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// EnvPrefix starts the environment variable of every flag.
const EnvPrefix = "RHEO_"

// NewRootCommand returns the "rheo" command with the client subcommands
// and the given extra ones (cmd/rheo adds "serve"). Its PersistentPreRunE
// applies environment overrides, and every flag's help names its variable.
func NewRootCommand(extra ...*cobra.Command) *cobra.Command {
	root := &cobra.Command{
		Use:   "rheo",
		Short: "Self-hosted streaming data platform speaking the Amazon Kinesis Data Streams API",
		Long: `rheo is a self-hosted streaming data platform. "rheo serve" runs the server;
the other commands are clients of the Kinesis API (of rheo or of AWS).

Every flag can also be set in the environment as RHEO_<FLAG_NAME>
(e.g. --data-dir as RHEO_DATA_DIR); flags win over the environment.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return ApplyEnv(cmd.Flags())
		},
	}
	root.AddCommand(newPutCommand(), newTailCommand(), newStreamsCommand())
	root.AddCommand(extra...)
	annotateEnv(root)
	return root
}

// EnvName returns the environment variable that overrides a flag.
func EnvName(flag string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// ApplyEnv sets every flag of fs not given on the command line from its
// environment variable, if that is set.
func ApplyEnv(fs *pflag.FlagSet) error {
	var errs []string
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Changed || f.Name == "help" {
			return
		}
		v, ok := os.LookupEnv(EnvName(f.Name))
		if !ok {
			return
		}
		if err := fs.Set(f.Name, v); err != nil {
			errs = append(errs, fmt.Sprintf("%s=%q: %v", EnvName(f.Name), v, err))
		}
	})
	if len(errs) > 0 {
		return fmt.Errorf("invalid environment: %s", strings.Join(errs, "; "))
	}
	return nil
}

// annotateEnv appends "(env RHEO_X)" to the usage of every flag below cmd.
func annotateEnv(cmd *cobra.Command) {
	note := func(f *pflag.Flag) {
		if f.Name == "help" || strings.Contains(f.Usage, "(env ") {
			return
		}
		f.Usage += fmt.Sprintf(" (env %s)", EnvName(f.Name))
	}
	cmd.LocalFlags().VisitAll(note)
	cmd.PersistentFlags().VisitAll(note)
	for _, c := range cmd.Commands() {
		annotateEnv(c)
	}
}
