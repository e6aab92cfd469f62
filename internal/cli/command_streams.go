package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/spf13/cobra"
)

func newStreamsCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "streams",
		Short: "List, create, describe and delete streams",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newStreamsListCommand(), newStreamsCreateCommand(), newStreamsDescribeCommand(), newStreamsDeleteCommand())
	return cmd
}

func newStreamsListCommand() *cobra.Command {
	var cf clientFlags
	cmd := &cobra.Command{
		Use:   "list",
		Short: "Print the name of every stream, one per line",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := cf.client(cmd.Context())
			if err != nil {
				return err
			}
			names, err := listStreams(cmd.Context(), c)
			if err != nil {
				return err
			}
			for _, n := range names {
				fmt.Fprintln(cmd.OutOrStdout(), n)
			}
			return nil
		},
	}
	cf.register(cmd)
	return cmd
}

// listStreams returns every stream name, following pagination.
func listStreams(ctx context.Context, c *kinesis.Client) ([]string, error) {
	var names []string
	in := &kinesis.ListStreamsInput{}
	for {
		out, err := c.ListStreams(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("list streams: %w", err)
		}
		names = append(names, out.StreamNames...)
		if !aws.ToBool(out.HasMoreStreams) || len(out.StreamNames) == 0 {
			return names, nil
		}
		if out.NextToken != nil {
			in = &kinesis.ListStreamsInput{NextToken: out.NextToken}
		} else {
			in = &kinesis.ListStreamsInput{ExclusiveStartStreamName: aws.String(names[len(names)-1])}
		}
	}
}

func newStreamsCreateCommand() *cobra.Command {
	var (
		cf       clientFlags
		shards   int32
		onDemand bool
		wait     bool
		timeout  time.Duration
	)
	cmd := &cobra.Command{
		Use:   "create NAME",
		Short: "Create a stream",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := cf.client(ctx)
			if err != nil {
				return err
			}
			in := &kinesis.CreateStreamInput{StreamName: aws.String(args[0])}
			if onDemand {
				in.StreamModeDetails = &types.StreamModeDetails{StreamMode: types.StreamModeOnDemand}
			} else {
				in.ShardCount = aws.Int32(shards)
			}
			if _, err := c.CreateStream(ctx, in); err != nil {
				return fmt.Errorf("create stream %s: %w", args[0], err)
			}
			if wait {
				if err := waitStream(ctx, c, args[0], timeout, true); err != nil {
					return err
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "stream %s is ACTIVE\n", args[0])
			}
			return nil
		},
	}
	cf.register(cmd)
	cmd.Flags().Int32Var(&shards, "shards", 1, "number of shards (provisioned mode)")
	cmd.Flags().BoolVar(&onDemand, "on-demand", false, "create in on-demand capacity mode")
	cmd.Flags().BoolVar(&wait, "wait", false, "wait until the stream is ACTIVE")
	cmd.Flags().DurationVar(&timeout, "wait-timeout", 2*time.Minute, "longest to --wait")
	cmd.MarkFlagsMutuallyExclusive("shards", "on-demand")
	return cmd
}

func newStreamsDescribeCommand() *cobra.Command {
	var cf clientFlags
	cmd := &cobra.Command{
		Use:   "describe NAME",
		Short: "Print a stream's status, settings and shards",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := cf.client(ctx)
			if err != nil {
				return err
			}
			out, err := c.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(args[0])})
			if err != nil {
				return fmt.Errorf("describe stream %s: %w", args[0], err)
			}
			var shards []types.Shard
			if out.StreamDescriptionSummary.StreamStatus != types.StreamStatusCreating {
				if shards, err = listShards(ctx, c, args[0]); err != nil {
					return err
				}
			}
			return printStream(cmd.OutOrStdout(), out.StreamDescriptionSummary, shards)
		},
	}
	cf.register(cmd)
	return cmd
}

func printStream(w io.Writer, d *types.StreamDescriptionSummary, shards []types.Shard) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	mode := "PROVISIONED"
	if d.StreamModeDetails != nil {
		mode = string(d.StreamModeDetails.StreamMode)
	}
	fmt.Fprintf(tw, "Name:\t%s\n", aws.ToString(d.StreamName))
	fmt.Fprintf(tw, "ARN:\t%s\n", aws.ToString(d.StreamARN))
	fmt.Fprintf(tw, "Status:\t%s\n", d.StreamStatus)
	fmt.Fprintf(tw, "Mode:\t%s\n", mode)
	fmt.Fprintf(tw, "Open shards:\t%d\n", aws.ToInt32(d.OpenShardCount))
	fmt.Fprintf(tw, "Retention:\t%dh\n", aws.ToInt32(d.RetentionPeriodHours))
	if d.StreamCreationTimestamp != nil {
		fmt.Fprintf(tw, "Created:\t%s\n", d.StreamCreationTimestamp.UTC().Format(time.RFC3339))
	}
	if d.EncryptionType != "" {
		fmt.Fprintf(tw, "Encryption:\t%s\n", d.EncryptionType)
	}
	if len(shards) > 0 {
		fmt.Fprintf(tw, "\nSHARD\tSTATE\tPARENT\tHASH KEY RANGE\tFIRST SEQUENCE NUMBER\n")
		for _, sh := range shards {
			state, first := "open", ""
			if r := sh.SequenceNumberRange; r != nil {
				first = aws.ToString(r.StartingSequenceNumber)
				if r.EndingSequenceNumber != nil {
					state = "closed"
				}
			}
			parent := aws.ToString(sh.ParentShardId)
			if sh.AdjacentParentShardId != nil {
				parent += "+" + aws.ToString(sh.AdjacentParentShardId)
			}
			if parent == "" {
				parent = "-"
			}
			hash := ""
			if sh.HashKeyRange != nil {
				hash = aws.ToString(sh.HashKeyRange.StartingHashKey) + "-" + aws.ToString(sh.HashKeyRange.EndingHashKey)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", aws.ToString(sh.ShardId), state, parent, hash, first)
		}
	}
	return tw.Flush()
}

func newStreamsDeleteCommand() *cobra.Command {
	var (
		cf      clientFlags
		force   bool
		wait    bool
		timeout time.Duration
	)
	cmd := &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete a stream and all its records",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := cf.client(ctx)
			if err != nil {
				return err
			}
			if _, err := c.DeleteStream(ctx, &kinesis.DeleteStreamInput{
				StreamName: aws.String(args[0]), EnforceConsumerDeletion: aws.Bool(force),
			}); err != nil {
				return fmt.Errorf("delete stream %s: %w", args[0], err)
			}
			if wait {
				return waitStream(ctx, c, args[0], timeout, false)
			}
			return nil
		},
	}
	cf.register(cmd)
	cmd.Flags().BoolVar(&force, "force", false, "also delete the stream's registered consumers")
	cmd.Flags().BoolVar(&wait, "wait", false, "wait until the stream is gone")
	cmd.Flags().DurationVar(&timeout, "wait-timeout", 2*time.Minute, "longest to --wait")
	return cmd
}

// waitStream polls until the stream is ACTIVE (active) or gone (!active).
func waitStream(ctx context.Context, c *kinesis.Client, name string, timeout time.Duration, active bool) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for delay := 100 * time.Millisecond; ; delay = min(delay*2, 2*time.Second) {
		out, err := c.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(name)})
		switch {
		case err == nil && active && out.StreamDescriptionSummary.StreamStatus == types.StreamStatusActive:
			return nil
		case err != nil && !active && errorCode(err) == "ResourceNotFoundException":
			return nil
		case err != nil && !isRetryable(err):
			return fmt.Errorf("wait for stream %s: %w", name, err)
		}
		if !sleepCtx(ctx, delay) {
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return fmt.Errorf("wait for stream %s: still not %s after %v", name, map[bool]string{true: "ACTIVE", false: "deleted"}[active], timeout)
			}
			return ctx.Err()
		}
	}
}
