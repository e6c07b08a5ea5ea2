package identity

import (
	"bytes"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"
)

// CardID identifies one certificate on one card: the key identifier of the
// issuing root generation plus the serial number. An account binds to CardIDs,
// never to names or birth dates (design.md "Identity").
//
// The issuer key id, not the issuer DN, is used because all three JPKI root
// generations of a type share one DN (jpki.md §5.1).
type CardID struct {
	// IssuerKeyID is the keyIdentifier of the certificate's
	// authorityKeyIdentifier extension.
	IssuerKeyID []byte
	// Serial is the certificate serial number.
	Serial *big.Int
	// NotAfter is the certificate's expiry. It is informational and is not
	// part of String or Equal: a card is the same card on every day.
	NotAfter time.Time
}

// CardIDOf returns the CardID of cert. It fails with ErrNoAuthorityKeyID when
// the certificate has no AKI keyid and ErrNoSerial when the serial is missing
// or not positive. The returned value shares no memory with cert.
func CardIDOf(cert *x509.Certificate) (CardID, error) {
	if cert == nil {
		return CardID{}, errors.New("identity: nil certificate")
	}
	if len(cert.AuthorityKeyId) == 0 {
		return CardID{}, ErrNoAuthorityKeyID
	}
	if cert.SerialNumber == nil || cert.SerialNumber.Sign() <= 0 {
		return CardID{}, ErrNoSerial
	}
	return CardID{
		IssuerKeyID: bytes.Clone(cert.AuthorityKeyId),
		Serial:      new(big.Int).Set(cert.SerialNumber),
		NotAfter:    cert.NotAfter,
	}, nil
}

// String returns the stable text form "<issuer key id>:<serial>", both in
// lowercase hex. The serial is written as its minimal big-endian bytes (an
// even number of digits, e.g. "054cfcd8"), which is how openssl and the JPKI
// documents print it. Stores may use this string as a key.
func (c CardID) String() string {
	var serial []byte
	if c.Serial != nil {
		serial = c.Serial.Bytes()
	}
	return hex.EncodeToString(c.IssuerKeyID) + ":" + hex.EncodeToString(serial)
}

// Equal reports whether c and o name the same certificate (NotAfter ignored).
func (c CardID) Equal(o CardID) bool {
	if c.Serial == nil || o.Serial == nil {
		return c.Serial == o.Serial && bytes.Equal(c.IssuerKeyID, o.IssuerKeyID)
	}
	return bytes.Equal(c.IssuerKeyID, o.IssuerKeyID) && c.Serial.Cmp(o.Serial) == 0
}

// ParseCardID parses the form written by String. NotAfter is not part of that
// form and is left zero. Only the exact canonical form is accepted, so one
// card never has two keys in a store.
func ParseCardID(s string) (CardID, error) {
	aki, serial, ok := strings.Cut(s, ":")
	if !ok || aki == "" || serial == "" {
		return CardID{}, fmt.Errorf("identity: card id %q: want <hex>:<hex>", s)
	}
	k, err := hex.DecodeString(aki)
	if err != nil {
		return CardID{}, fmt.Errorf("identity: card id issuer key id: %w", err)
	}
	sb, err := hex.DecodeString(serial)
	if err != nil {
		return CardID{}, fmt.Errorf("identity: card id serial: %w", err)
	}
	id := CardID{IssuerKeyID: k, Serial: new(big.Int).SetBytes(sb)}
	if id.Serial.Sign() <= 0 {
		return CardID{}, ErrNoSerial
	}
	if id.String() != s {
		return CardID{}, fmt.Errorf("identity: card id %q is not in canonical form", s)
	}
	return id, nil
}
