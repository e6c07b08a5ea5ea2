// Package testca is a test JPKI certification authority: two self-signed
// roots (user authentication and digital signature) that issue end-entity
// certificates with the structure of the real J-LIS profile (jpki.md §5,
// §11.2), publish CRLs and answer OCSP.
//
// Every name it writes says JPKI-EMU and "Inkan test CA - not for
// production", so its certificates can never be mistaken for, or chain to,
// the production JPKI roots. Only configurations that explicitly pin these
// roots accept them.
//
// Options let tests build deliberately wrong certificates (wrong policy,
// missing EKU, expired, ...) for the verifier's negative tests.
package testca
