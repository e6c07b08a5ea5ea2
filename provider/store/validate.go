package store

import (
	"strconv"
	"strings"
	"time"
)

// Limits on what a Backend accepts. They keep one record well inside what
// both backends handle in a single operation (bbolt caps keys at 32 KiB,
// Redis values at 512 MiB) and bound the memory one request can pin.
const (
	// MaxNameLen is the maximum length in bytes of a namespace, key, set
	// name or set member.
	MaxNameLen = 512

	// MaxValueLen is the maximum length in bytes of a value (1 MiB).
	MaxValueLen = 1 << 20
)

// nsForbidden are the bytes a namespace may not hold: ':' separates the
// namespace from the key in backend key layouts and '{' '}' would move the
// Redis Cluster hash tag. NUL is refused in every name.
const nsForbidden = ":{}\x00"

// Reasons are fixed strings so that validation of good input allocates
// nothing and of bad input allocates only the error.
const (
	reasonEmpty   = "empty"
	reasonTooLong = "longer than 512 bytes"
	reasonNUL     = "contains a NUL byte"
	reasonNSChar  = "contains ':', '{', '}' or a NUL byte"
)

// ValidateKey checks a namespace and a key (or set name) as every Backend
// method does before it touches storage.
func ValidateKey(ns, key string) error {
	if err := validateNS(ns); err != nil {
		return err
	}
	return validateName("key", key)
}

// ValidateSet checks a namespace and a set name.
func ValidateSet(ns, set string) error {
	if err := validateNS(ns); err != nil {
		return err
	}
	return validateName("set", set)
}

// ValidateMember checks a namespace, a set name and a member.
func ValidateMember(ns, set, member string) error {
	if err := ValidateSet(ns, set); err != nil {
		return err
	}
	return validateName("member", member)
}

// ValidateValue checks a value's size. Empty values are allowed.
func ValidateValue(val []byte) error { return validateBytes("value", val) }

// validateBytes is ValidateValue for the argument arg ("value", or "old"
// for the value an OpSwap or OpDeleteIf compares against).
func validateBytes(arg string, val []byte) error {
	if len(val) > MaxValueLen {
		return &InvalidError{Arg: arg, Reason: strconv.Itoa(len(val)) + " bytes, more than 1 MiB"}
	}
	return nil
}

// ValidateTTL refuses negative durations; 0 means "no expiry".
func ValidateTTL(ttl time.Duration) error {
	if ttl < 0 {
		return &InvalidError{Arg: "ttl", Reason: "negative"}
	}
	return nil
}

func validateNS(ns string) error {
	if err := validateName("ns", ns); err != nil {
		return err
	}
	if strings.ContainsAny(ns, nsForbidden) {
		return &InvalidError{Arg: "ns", Reason: reasonNSChar}
	}
	return nil
}

func validateName(arg, s string) error {
	switch {
	case s == "":
		return &InvalidError{Arg: arg, Reason: reasonEmpty}
	case len(s) > MaxNameLen:
		return &InvalidError{Arg: arg, Reason: reasonTooLong}
	case strings.IndexByte(s, 0) >= 0:
		return &InvalidError{Arg: arg, Reason: reasonNUL}
	}
	return nil
}

// ValidateUpdate checks the arguments of Backend.Update.
func ValidateUpdate(ns, key string, fn func([]byte) ([]byte, error)) error {
	if fn == nil {
		return &InvalidError{Arg: "fn", Reason: "nil"}
	}
	return ValidateKey(ns, key)
}
