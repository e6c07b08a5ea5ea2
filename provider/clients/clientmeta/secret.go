package clientmeta

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// A client secret is never stored, only a hash in one of two forms:
//
//   - "sha256:" + base64url(SHA-256(secret)), for secrets the provider
//     generates (256 random bits, RFC 7591 registration). With that much
//     entropy a fast hash is as safe as a slow one and costs nothing per
//     token request.
//   - a bcrypt hash ("$2a$", "$2b$", "$2y$", cost at least MinBcryptCost),
//     for secrets an operator chose and wrote into the config, which may be
//     guessable and so need a slow hash.
const sha256Prefix = "sha256:"

// MinBcryptCost is the lowest bcrypt cost accepted. htpasswd's default (5)
// is too cheap for a secret that guards a bank's client.
const MinBcryptCost = 10

// HashSecret returns the "sha256:" form of secret. Use it only for
// high-entropy secrets (GenerateSecret); hash chosen ones with bcrypt.
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return sha256Prefix + base64.RawURLEncoding.EncodeToString(sum[:])
}

// CheckSecretHash reports why h is not a secret hash in one of the accepted
// forms, or nil.
func CheckSecretHash(h string) error {
	if rest, ok := strings.CutPrefix(h, sha256Prefix); ok {
		b, err := base64.RawURLEncoding.DecodeString(rest)
		if err != nil || len(b) != sha256.Size {
			return errors.New(`"sha256:" must be followed by 43 base64url characters (32 bytes, no padding)`)
		}
		return nil
	}
	if strings.HasPrefix(h, "$2a$") || strings.HasPrefix(h, "$2b$") || strings.HasPrefix(h, "$2y$") {
		cost, err := bcrypt.Cost([]byte(h))
		if err != nil {
			return errors.New("not a valid bcrypt hash")
		}
		if cost < MinBcryptCost {
			return errors.New("bcrypt cost below 10 (htpasswd -B needs -C 10 or more)")
		}
		return nil
	}
	return errors.New(`must start with "sha256:" or be a bcrypt hash ("$2a$", "$2b$", "$2y$")`)
}

// SlowHash reports whether checking a secret against hash is slow: every
// form but "sha256:" (bcrypt, or a malformed hash, which VerifySecret
// hands to bcrypt to refuse).
func SlowHash(hash string) bool {
	return !strings.HasPrefix(hash, sha256Prefix)
}

// VerifySecret reports whether secret matches hash, in time that does not
// depend on how much of it matches. A malformed hash matches nothing.
func VerifySecret(hash, secret string) bool {
	if rest, ok := strings.CutPrefix(hash, sha256Prefix); ok {
		want, err := base64.RawURLEncoding.DecodeString(rest)
		if err != nil {
			return false
		}
		got := sha256.Sum256([]byte(secret))
		return subtle.ConstantTimeCompare(got[:], want) == 1
	}
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(secret)) == nil
}
