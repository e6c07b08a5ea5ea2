package revocation

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"math/big"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
	"golang.org/x/crypto/ocsp"
)

var (
	oidOCSPBasic = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 1}
	oidSHA1      = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	oidSHA256    = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384    = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512    = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}
)

// certID is the CertID of one SingleResponse (RFC 6960 §4.1.1).
type certID struct {
	hash      crypto.Hash // 0 when the algorithm is not one we know
	nameHash  []byte
	keyHash   []byte
	serialNum *big.Int
}

// ocspCertIDs walks an OCSPResponse far enough to return its status and
// the CertIDs it answers for. x/crypto/ocsp matches responses by serial
// only; RFC 6960 §3.2 also requires the issuer hashes to match, so we read
// them here.
func ocspCertIDs(b []byte) (status int, ids []certID, err error) {
	bad := func(what string) (int, []certID, error) {
		return 0, nil, fmt.Errorf("%w: OCSP response: %s", ErrMalformed, what)
	}
	in := cryptobyte.String(b)
	var resp cryptobyte.String
	if !in.ReadASN1(&resp, cbasn1.SEQUENCE) || !in.Empty() {
		return bad("not a SEQUENCE")
	}
	var st int
	if !resp.ReadASN1Enum(&st) {
		return bad("no status")
	}
	if st != int(ocsp.Success) {
		return st, nil, nil
	}
	var rb, rbSeq, basic cryptobyte.String
	var typ asn1.ObjectIdentifier
	if !resp.ReadASN1(&rb, cbasn1.Tag(0).Constructed().ContextSpecific()) ||
		!rb.ReadASN1(&rbSeq, cbasn1.SEQUENCE) ||
		!rbSeq.ReadASN1ObjectIdentifier(&typ) ||
		!rbSeq.ReadASN1(&basic, cbasn1.OCTET_STRING) {
		return bad("no responseBytes")
	}
	if !typ.Equal(oidOCSPBasic) {
		return bad("not a basic response")
	}
	var br, tbs, responses cryptobyte.String
	if !basic.ReadASN1(&br, cbasn1.SEQUENCE) || !br.ReadASN1(&tbs, cbasn1.SEQUENCE) {
		return bad("bad BasicOCSPResponse")
	}
	var responderID cryptobyte.String
	var ridTag cbasn1.Tag
	if !tbs.SkipOptionalASN1(cbasn1.Tag(0).Constructed().ContextSpecific()) || // version
		!tbs.ReadAnyASN1(&responderID, &ridTag) || // responderID [1] or [2]
		!tbs.SkipASN1(cbasn1.GeneralizedTime) || // producedAt
		!tbs.ReadASN1(&responses, cbasn1.SEQUENCE) {
		return bad("bad ResponseData")
	}
	for !responses.Empty() {
		var single, cid, alg cryptobyte.String
		var oid asn1.ObjectIdentifier
		id := certID{serialNum: new(big.Int)}
		if !responses.ReadASN1(&single, cbasn1.SEQUENCE) ||
			!single.ReadASN1(&cid, cbasn1.SEQUENCE) ||
			!cid.ReadASN1(&alg, cbasn1.SEQUENCE) ||
			!alg.ReadASN1ObjectIdentifier(&oid) ||
			!cid.ReadASN1Bytes(&id.nameHash, cbasn1.OCTET_STRING) ||
			!cid.ReadASN1Bytes(&id.keyHash, cbasn1.OCTET_STRING) ||
			!cid.ReadASN1Integer(id.serialNum) {
			return bad("bad CertID")
		}
		switch {
		case oid.Equal(oidSHA1):
			id.hash = crypto.SHA1
		case oid.Equal(oidSHA256):
			id.hash = crypto.SHA256
		case oid.Equal(oidSHA384):
			id.hash = crypto.SHA384
		case oid.Equal(oidSHA512):
			id.hash = crypto.SHA512
		}
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		return bad("no responses")
	}
	return st, ids, nil
}

// matches reports whether id names cert as issued by issuer.
func (id certID) matches(cert, issuer *x509.Certificate) bool {
	if id.hash == 0 || !id.hash.Available() || id.serialNum.Cmp(cert.SerialNumber) != 0 {
		return false
	}
	key, ok := subjectPublicKeyBits(issuer.RawSubjectPublicKeyInfo)
	if !ok {
		return false
	}
	h := id.hash.New()
	h.Write(issuer.RawSubject)
	if !bytes.Equal(h.Sum(nil), id.nameHash) {
		return false
	}
	h.Reset()
	h.Write(key)
	return bytes.Equal(h.Sum(nil), id.keyHash)
}

// subjectPublicKeyBits returns the subjectPublicKey BIT STRING content of
// an SPKI, which is what the OCSP issuerKeyHash is computed over.
func subjectPublicKeyBits(spki []byte) ([]byte, bool) {
	in := cryptobyte.String(spki)
	var seq cryptobyte.String
	var bits asn1.BitString
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !seq.SkipASN1(cbasn1.SEQUENCE) || !seq.ReadASN1BitString(&bits) {
		return nil, false
	}
	return bits.Bytes, true
}
