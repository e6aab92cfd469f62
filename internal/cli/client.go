package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/smithy-go"
	"github.com/rheo-dev/rheo/internal/awsfix"
	"github.com/spf13/cobra"
)

// DefaultEndpoint is where a local "rheo serve" listens by default.
const DefaultEndpoint = "http://127.0.0.1:4567"

// clientFlags are the flags every client command shares.
type clientFlags struct {
	endpoint string
	region   string
}

// register adds the flags to cmd and makes the errors of its RunE (set
// before) explain a refused connection.
func (f *clientFlags) register(cmd *cobra.Command) {
	if run := cmd.RunE; run != nil {
		cmd.RunE = func(cmd *cobra.Command, args []string) error { return f.explain(run(cmd, args)) }
	}
	cmd.Flags().StringVar(&f.endpoint, "endpoint", DefaultEndpoint,
		`Kinesis API endpoint URL; "aws" uses the SDK's normal endpoint resolution`)
	cmd.Flags().StringVar(&f.region, "region", "",
		"AWS region (default: from AWS_REGION or the AWS config, else us-east-1)")
}

// explain adds a hint to an error that says nothing listens at the
// endpoint, the usual cause being that no "rheo serve" is running there.
func (f *clientFlags) explain(err error) error {
	if err == nil || f.isAWS() || !errors.Is(err, syscall.ECONNREFUSED) {
		return err
	}
	return fmt.Errorf("%w\n(nothing listens at %s: is \"rheo serve\" running? set --endpoint)", err, f.endpoint)
}

// isAWS reports whether the endpoint is real AWS.
func (f *clientFlags) isAWS() bool { return strings.EqualFold(f.endpoint, "aws") }

// client builds a Kinesis client. Against a non-AWS endpoint without any
// configured credentials it signs with static dummy credentials, which
// rheo accepts.
func (f *clientFlags) client(ctx context.Context) (*kinesis.Client, error) {
	var opts []func(*config.LoadOptions) error
	if f.region != "" {
		opts = append(opts, config.WithRegion(f.region))
	}
	if !f.isAWS() && !haveCredentials() {
		opts = append(opts, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("rheo", "rheo", "")))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("load AWS config: %w", err)
	}
	// Client-side retry quotas would turn sustained throttling into hard
	// errors; our own loops back off instead. The retryer is set after
	// loading, not with config.WithRetryer, which would make the SDK ignore
	// AWS_MAX_ATTEMPTS and max_attempts (cfg.RetryMaxAttempts, applied by
	// the client on top of this retryer).
	cfg.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) { o.RateLimiter = ratelimit.None })
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	return kinesis.NewFromConfig(cfg, func(o *kinesis.Options) {
		// Against a fast local server the SDK's request-body race
		// (see internal/awsfix) fails calls now and then.
		o.HTTPClient = awsfix.HTTPClient(0)
		if !f.isAWS() {
			o.BaseEndpoint = aws.String(f.endpoint)
		}
	}), nil
}

// haveCredentials reports whether the environment or the shared AWS files
// configure credentials, without contacting any credential service.
func haveCredentials() bool {
	for _, v := range []string{"AWS_ACCESS_KEY_ID", "AWS_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"} {
		if os.Getenv(v) != "" {
			return true
		}
	}
	for _, p := range []string{config.DefaultSharedCredentialsFilename(), config.DefaultSharedConfigFilename()} {
		if env := os.Getenv("AWS_SHARED_CREDENTIALS_FILE"); env != "" && p == config.DefaultSharedCredentialsFilename() {
			p = env
		}
		if _, err := os.Stat(p); err == nil {
			return true
		}
	}
	return false
}

// errorCode returns the API error code of err ("" if it has none).
func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// isRetryable reports whether a failed call may succeed when repeated:
// throttling, server-side failures and transport errors.
// isFatal reports whether a call's error will be every later call's too:
// the stream does not exist or the credentials are refused. "rheo put"
// then stops reading rather than fail batch after batch of an endless
// input.
func isFatal(err error) bool {
	switch errorCode(err) {
	case "ResourceNotFoundException", "AccessDeniedException", "UnrecognizedClientException",
		"InvalidSignatureException", "IncompleteSignatureException",
		"MissingAuthenticationTokenException", "ExpiredTokenException":
		return true
	}
	return false
}

func isRetryable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	switch errorCode(err) {
	case "ProvisionedThroughputExceededException", "LimitExceededException", "ThrottlingException",
		"InternalFailure", "InternalServerError", "ServiceUnavailable", "KMSThrottlingException":
		return true
	case "":
		return true // transport error, no API answer
	}
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) && re.HTTPStatusCode() >= 500 {
		return true
	}
	return false
}
