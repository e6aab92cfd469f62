package lake

import (
	"fmt"
	"net/netip"
	"strings"
	"unicode/utf8"
)

// MaxKeyLen is the longest object key S3 accepts, in bytes (UTF-8).
const MaxKeyLen = 1024

// ValidateBucket checks name against the S3 naming rules for general purpose
// buckets (docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html):
// 3–63 characters of lowercase letters, digits, dots and hyphens, starting
// and ending with a letter or digit, no two adjacent dots, not shaped like
// an IPv4 address, and none of the reserved prefixes and suffixes. For the
// local lake the rules also guarantee the name is one safe path element.
func ValidateBucket(name string) error {
	bad := func(why string) error {
		return fmt.Errorf("%w %q: %s", ErrInvalidBucket, name, why)
	}
	if len(name) < 3 || len(name) > 63 {
		return bad("must be 3 to 63 characters long")
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			return bad("only lowercase letters, digits, dots and hyphens are allowed")
		}
	}
	if !alnum(name[0]) || !alnum(name[len(name)-1]) {
		return bad("must begin and end with a letter or digit")
	}
	if strings.Contains(name, "..") {
		return bad("must not contain two adjacent dots")
	}
	if addr, err := netip.ParseAddr(name); err == nil && addr.Is4() {
		return bad("must not be formatted as an IP address")
	}
	for _, p := range []string{"xn--", "sthree-", "amzn-s3-demo-"} {
		if strings.HasPrefix(name, p) {
			return bad("must not start with " + p)
		}
	}
	for _, s := range []string{"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"} {
		if strings.HasSuffix(name, s) {
			return bad("must not end with " + s)
		}
	}
	return nil
}

func alnum(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }

// validateKeyS3 applies the rules every store shares: S3 keys are
// non-empty UTF-8 of at most 1024 bytes. NUL is refused too: no S3-style
// service stores it usefully and no file system can. Errors wrap
// ErrInvalidKey.
func validateKeyS3(key string) error {
	switch {
	case key == "":
		return fmt.Errorf("%w: empty", ErrInvalidKey)
	case len(key) > MaxKeyLen:
		return fmt.Errorf("%w: %d bytes, the limit is %d", ErrInvalidKey, len(key), MaxKeyLen)
	case !utf8.ValidString(key):
		return fmt.Errorf("%w %q: not UTF-8", ErrInvalidKey, key)
	case strings.IndexByte(key, 0) >= 0:
		return fmt.Errorf("%w %q: contains NUL", ErrInvalidKey, key)
	}
	return nil
}

// maxSegmentLen is the longest path segment of a local lake key, in
// bytes: the file systems' NAME_MAX.
const maxSegmentLen = 255

// validateKeyLocal adds what the local lake needs so that a key always
// names a file strictly inside its bucket directory and no two keys name
// the same file: no leading "/", no empty, "." or ".." segments (so no
// trailing "/" either), no segment starting with the temp-file prefix
// that List hides and crash recovery removes, and no segment longer than
// a file name can be.
func validateKeyLocal(key string) error {
	if err := validateKeyS3(key); err != nil {
		return err
	}
	if key[0] == '/' {
		return fmt.Errorf("%w %q: starts with /", ErrInvalidKey, key)
	}
	for seg := range strings.SplitSeq(key, "/") {
		switch {
		case seg == "":
			return fmt.Errorf("%w %q: empty path segment", ErrInvalidKey, key)
		case seg == "." || seg == "..":
			return fmt.Errorf("%w %q: %q path segment", ErrInvalidKey, key, seg)
		case strings.HasPrefix(seg, tmpPrefix):
			return fmt.Errorf("%w %q: segment starts with reserved %q", ErrInvalidKey, key, tmpPrefix)
		case len(seg) > maxSegmentLen:
			return fmt.Errorf("%w %q: a path segment of %d bytes, the local lake's limit is %d", ErrInvalidKey, key, len(seg), maxSegmentLen)
		}
	}
	return nil
}
