package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// MaxFileSize bounds the config file. Real ones are a few KiB; the bound
// keeps a wrong path (a log, a disk image) from being read into memory.
const MaxFileSize = 1 << 20

// Load reads, parses and validates the config file at path. A parse error
// names the line; a *ValidationError (reachable with errors.As) names every
// bad field.
func Load(path string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("config: reading %s: %w", path, err)
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("config: %s is larger than %d bytes", path, MaxFileSize)
	}
	c, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("config: %s: %w", path, err)
	}
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("config: %s: %w", path, err)
	}
	return c, nil
}

// Parse decodes one YAML document over the defaults and derives the
// dependent defaults. It rejects unknown fields and values of the wrong type
// but does not Validate. Empty input yields the production defaults.
func Parse(data []byte) (*Config, error) {
	// Defaults depend on dev, so read it first. This pass is lenient;
	// the strict pass below reports any problem.
	var probe struct {
		Dev bool `yaml:"dev"`
	}
	_ = yaml.Unmarshal(data, &probe)

	c := base(probe.Dev)
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		return nil, friendly(err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, errors.New("more than one YAML document")
	}
	if c.Dev != probe.Dev {
		// Only reachable through odd YAML (e.g. a merge key); refuse it
		// rather than mix dev and production defaults.
		return nil, errors.New("dev: could not be read consistently")
	}
	c.derive()
	return c, nil
}

var (
	unknownField = regexp.MustCompile(`field (\S+) not found in type \S+`)
	goTypeName   = regexp.MustCompile(`into (time\.Duration|\[\]string|\[\]config\.\w+|config\.\w+|\*?bool|int|string)`)
)

// friendly rewrites yaml.v3's messages, which name Go types, into words an
// operator can act on.
func friendly(err error) error {
	msg := err.Error()
	msg = unknownField.ReplaceAllString(msg, `unknown field "$1"`)
	msg = goTypeName.ReplaceAllStringFunc(msg, func(s string) string {
		switch t := strings.TrimPrefix(s, "into "); {
		case t == "time.Duration":
			return "into a duration (like 90s, 10m or 720h)"
		case strings.HasPrefix(t, "[]"):
			return "into a list"
		case strings.HasPrefix(t, "config."):
			return "into a mapping"
		case strings.HasSuffix(t, "bool"):
			return "into true or false"
		case t == "int":
			return "into an integer"
		default:
			return "into a string"
		}
	})
	return errors.New(msg)
}
