package keys

import (
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// Defaults for Options.
const (
	// DefaultPublishDelay covers common JWKS cache lifetimes of relying
	// parties.
	DefaultPublishDelay = 5 * time.Minute
	// DefaultMaxTokenTTL is the longest token lifetime the config allows.
	DefaultMaxTokenTTL = 24 * time.Hour
	// DefaultCacheTTL bounds how long an instance may miss another
	// instance's rotation.
	DefaultCacheTTL = 10 * time.Second
)

// NoDelay as Options.PublishDelay makes new keys sign at once (dev, tests).
const NoDelay time.Duration = -1

// Options tune a Manager. The zero value is the production default.
type Options struct {
	// PublishDelay is how long a rotated-in key is published before it
	// signs. 0 means DefaultPublishDelay; NoDelay (any negative value)
	// means none.
	PublishDelay time.Duration
	// MaxTokenTTL is the longest lifetime of a token signed with these
	// keys: a key stays published this long after it stops signing.
	// 0 means DefaultMaxTokenTTL.
	MaxTokenTTL time.Duration
	// CacheTTL is how long the key set read from the store is reused.
	// 0 means DefaultCacheTTL; negative disables the cache (every call
	// reads the store).
	CacheTTL time.Duration
	// Algorithms are the algorithms EnsureKeys provides keys for.
	// Default: ES256. Signer creates a key for another supported
	// algorithm on first use.
	Algorithms []jose.SignatureAlgorithm
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

func (o Options) withDefaults() Options {
	switch {
	case o.PublishDelay == 0:
		o.PublishDelay = DefaultPublishDelay
	case o.PublishDelay < 0:
		o.PublishDelay = 0
	}
	if o.MaxTokenTTL <= 0 {
		o.MaxTokenTTL = DefaultMaxTokenTTL
	}
	if o.CacheTTL == 0 {
		o.CacheTTL = DefaultCacheTTL
	}
	if len(o.Algorithms) == 0 {
		o.Algorithms = []jose.SignatureAlgorithm{jose.ES256}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Supported lists the algorithms this package makes keys for.
var Supported = []jose.SignatureAlgorithm{jose.ES256, jose.PS256, jose.RS256}
