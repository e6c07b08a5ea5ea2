package clientmeta

import "errors"

// MaxIDLen bounds a client id. Ids are store keys and URL path segments.
const MaxIDLen = 128

// CheckID reports why id is not a usable client id, or nil: 1 to 128 of
// the URL-unreserved characters (RFC 3986 §2.3), so an id needs no escaping
// in a path, a form or a log line.
func CheckID(id string) error {
	if id == "" || len(id) > MaxIDLen {
		return errors.New("must be 1 to 128 characters")
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~') {
			return errors.New("may hold only letters, digits, '-', '.', '_' and '~'")
		}
	}
	return nil
}

// MaxScopeLen bounds one scope token.
const MaxScopeLen = 128

// CheckScope reports why s is not a scope token (RFC 6749 §3.3: %x21,
// %x23-5B, %x5D-7E), or nil.
func CheckScope(s string) error {
	if s == "" || len(s) > MaxScopeLen {
		return errors.New("must be 1 to 128 characters")
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x21 || c > 0x7e || c == '"' || c == '\\' {
			return errors.New("may hold only printable ASCII other than space, '\"' and '\\'")
		}
	}
	return nil
}
