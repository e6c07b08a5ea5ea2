package revocation

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"math/big"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

var (
	oidExtAuthorityKeyID   = asn1.ObjectIdentifier{2, 5, 29, 35}
	oidExtCRLNumber        = asn1.ObjectIdentifier{2, 5, 29, 20}
	oidExtDeltaCRL         = asn1.ObjectIdentifier{2, 5, 29, 27}
	oidExtIssuingDP        = asn1.ObjectIdentifier{2, 5, 29, 28}
	oidExtCRLDP            = asn1.ObjectIdentifier{2, 5, 29, 31}
	oidExtReasonCode       = asn1.ObjectIdentifier{2, 5, 29, 21}
	oidExtInvalidityDate   = asn1.ObjectIdentifier{2, 5, 29, 24}
	oidExtHoldInstruction  = asn1.ObjectIdentifier{2, 5, 29, 23}
	oidExtCertificateIssue = asn1.ObjectIdentifier{2, 5, 29, 29}
)

// revokedEntry is what the index keeps per listed serial.
type revokedEntry struct {
	reason int
	at     time.Time
}

// crlScope is the parsed Issuing Distribution Point of a CRL: which
// certificates the CRL speaks for. JPKI CRLs are partitioned by
// municipality (jpki.md §5.2), so "not listed" only means Good when the
// certificate's CRL distribution point is this partition.
type crlScope struct {
	// names are the DER GeneralName elements of the IDP fullName; empty
	// means the CRL covers every certificate of the issuer.
	names [][]byte
	// unsupported is set when the IDP limits reasons, is indirect, covers
	// only CA or attribute certificates, or names the point relative to
	// the issuer: such a CRL cannot prove an end-entity certificate Good.
	unsupported bool
}

// parsedCRL is a CRL ready for lookups.
type parsedCRL struct {
	list    *x509.RevocationList
	scope   *crlScope // nil: no IDP extension
	revoked map[string]revokedEntry
}

// serialKey makes a map key from a serial number without the text
// formatting cost of big.Int.String.
func serialKey(n *big.Int) string {
	if n == nil {
		return ""
	}
	b := n.Bytes()
	if n.Sign() < 0 {
		return "-" + string(b)
	}
	return string(b)
}

// parseCRL parses a DER or PEM ("X509 CRL") CRL and indexes it by serial.
// It refuses what it cannot interpret safely rather than under-reporting
// revocations. It does not check the signature: that needs the issuer.
func parseCRL(b []byte) (*parsedCRL, error) {
	if bytes.HasPrefix(bytes.TrimSpace(b), []byte("-----BEGIN")) {
		blk, _ := pem.Decode(b)
		if blk == nil || blk.Type != "X509 CRL" {
			return nil, fmt.Errorf("%w: PEM without an X509 CRL block", ErrMalformed)
		}
		b = blk.Bytes
	}
	list, err := x509.ParseRevocationList(b)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if list.NextUpdate.IsZero() {
		// Without nextUpdate we cannot tell a current CRL from a replayed
		// old one.
		return nil, fmt.Errorf("%w: CRL has no nextUpdate", ErrMalformed)
	}
	p := &parsedCRL{list: list, revoked: make(map[string]revokedEntry, len(list.RevokedCertificateEntries))}
	for _, ext := range list.Extensions {
		switch {
		case ext.Id.Equal(oidExtDeltaCRL):
			return nil, fmt.Errorf("%w: delta CRLs are not supported", ErrMalformed)
		case ext.Id.Equal(oidExtIssuingDP):
			s, err := parseIssuingDP(ext.Value)
			if err != nil {
				return nil, err
			}
			p.scope = s
		case ext.Id.Equal(oidExtAuthorityKeyID), ext.Id.Equal(oidExtCRLNumber):
		default:
			if ext.Critical {
				return nil, fmt.Errorf("%w: unknown critical CRL extension %v", ErrMalformed, ext.Id)
			}
		}
	}
	for i := range list.RevokedCertificateEntries {
		e := &list.RevokedCertificateEntries[i]
		if e.SerialNumber == nil {
			return nil, fmt.Errorf("%w: entry without serial", ErrMalformed)
		}
		for _, ext := range e.Extensions {
			switch {
			case ext.Id.Equal(oidExtCertificateIssue):
				// Indirect CRL entry: it speaks for another issuer.
				return nil, fmt.Errorf("%w: indirect CRL entries are not supported", ErrMalformed)
			case ext.Id.Equal(oidExtReasonCode), ext.Id.Equal(oidExtInvalidityDate), ext.Id.Equal(oidExtHoldInstruction):
			default:
				if ext.Critical {
					return nil, fmt.Errorf("%w: unknown critical CRL entry extension %v", ErrMalformed, ext.Id)
				}
			}
		}
		p.revoked[serialKey(e.SerialNumber)] = revokedEntry{reason: e.ReasonCode, at: e.RevocationTime}
	}
	return p, nil
}

// parseIssuingDP parses the IssuingDistributionPoint extension value
// (RFC 5280 §5.2.5).
func parseIssuingDP(v []byte) (*crlScope, error) {
	bad := fmt.Errorf("%w: bad issuing distribution point", ErrMalformed)
	in := cryptobyte.String(v)
	var seq cryptobyte.String
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !in.Empty() {
		return nil, bad
	}
	s := &crlScope{}
	var dpn cryptobyte.String
	var has bool
	if !seq.ReadOptionalASN1(&dpn, &has, cbasn1.Tag(0).Constructed().ContextSpecific()) {
		return nil, bad
	}
	if has {
		var full cryptobyte.String
		var hasFull bool
		if !dpn.ReadOptionalASN1(&full, &hasFull, cbasn1.Tag(0).Constructed().ContextSpecific()) {
			return nil, bad
		}
		if !hasFull {
			s.unsupported = true // nameRelativeToCRLIssuer
		} else {
			names, ok := generalNames(full)
			if !ok || len(names) == 0 {
				return nil, bad
			}
			s.names = names
		}
	}
	// The remaining fields are context-tagged primitives [1]..[5].
	for !seq.Empty() {
		var tag cbasn1.Tag
		var val cryptobyte.String
		if !seq.ReadAnyASN1(&val, &tag) {
			return nil, bad
		}
		switch tag {
		case cbasn1.Tag(1).ContextSpecific(): // onlyContainsUserCerts: fine for EE certs
		case cbasn1.Tag(2).ContextSpecific(), // onlyContainsCACerts
			cbasn1.Tag(3).ContextSpecific(), // onlySomeReasons
			cbasn1.Tag(4).ContextSpecific(), // indirectCRL
			cbasn1.Tag(5).ContextSpecific(): // onlyContainsAttributeCerts
			// A DER BOOLEAN DEFAULT FALSE is only present when TRUE, but
			// be safe and look at the value.
			if tag == cbasn1.Tag(3).ContextSpecific() || len(val) != 1 || val[0] != 0 {
				s.unsupported = true
			}
		default:
			return nil, bad
		}
	}
	return s, nil
}

// generalNames splits the content of a GeneralNames into its DER elements.
func generalNames(s cryptobyte.String) ([][]byte, bool) {
	var out [][]byte
	for !s.Empty() {
		var el cryptobyte.String
		if !s.ReadAnyASN1Element(&el, nil) {
			return nil, false
		}
		out = append(out, []byte(el))
	}
	return out, true
}

// certDPNames returns the full-name GeneralName elements of cert's CRL
// distribution points (including DirName points, which crypto/x509 drops).
// Points limited to some reasons or served by another CRL issuer are left
// out: a CRL for them cannot prove the certificate Good.
func certDPNames(cert *x509.Certificate) [][]byte {
	var out [][]byte
	for _, ext := range cert.Extensions {
		if !ext.Id.Equal(oidExtCRLDP) {
			continue
		}
		in := cryptobyte.String(ext.Value)
		var dps cryptobyte.String
		if !in.ReadASN1(&dps, cbasn1.SEQUENCE) {
			return nil
		}
		for !dps.Empty() {
			var dp cryptobyte.String
			if !dps.ReadASN1(&dp, cbasn1.SEQUENCE) {
				return nil
			}
			var dpn, full cryptobyte.String
			var has, hasFull bool
			if !dp.ReadOptionalASN1(&dpn, &has, cbasn1.Tag(0).Constructed().ContextSpecific()) || !has {
				continue
			}
			if !dp.Empty() { // reasons or cRLIssuer present
				continue
			}
			if !dpn.ReadOptionalASN1(&full, &hasFull, cbasn1.Tag(0).Constructed().ContextSpecific()) || !hasFull {
				continue
			}
			if names, ok := generalNames(full); ok {
				out = append(out, names...)
			}
		}
	}
	return out
}

// covers reports whether a CRL with this scope speaks for cert.
func (s *crlScope) covers(cert *x509.Certificate) bool {
	if s == nil {
		return true
	}
	if s.unsupported {
		return false
	}
	if len(s.names) == 0 {
		return true
	}
	for _, cn := range certDPNames(cert) {
		for _, sn := range s.names {
			if bytes.Equal(cn, sn) {
				return true
			}
		}
	}
	return false
}
