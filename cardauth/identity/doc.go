// Package identity reads who a JPKI certificate belongs to.
//
// The auth certificate (利用者証明用) names no person: CardIDOf turns it into
// a stable card identifier (issuer key id + serial) that accounts bind to.
// The signature certificate (署名用) carries the basic four attributes in
// subjectAltName otherNames (jpki.md §5.3, §9.2): Extract reads them strictly
// and SANExtension writes them for the test CA.
//
// Nothing here checks signatures, chains, validity or revocation; callers
// pass only certificates that cardauth/verify has accepted. The parsers still
// treat their input as hostile: they never panic and reject anything that is
// not exactly the documented structure.
package identity
