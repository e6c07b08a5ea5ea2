package vcard

import (
	"bytes"
	"crypto/rsa"
)

// JPKIAID is the DF name of the JPKI application (jpki.md §15).
var JPKIAID = []byte{0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01}

// ISDAID is the issuer security domain, current after a reset. It is not
// selectable through this emulator; it only names the "no application" state.
var ISDAID = []byte{0xA0, 0x00, 0x00, 0x01, 0x51, 0x00, 0x00}

// DefaultATR is the contact ATR OpenSC matches first (jpki.md §4.1).
var DefaultATR = []byte{0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14}

// EF identifiers of the JPKI application (jpki.md §1.2).
const (
	EFSignCert  uint16 = 0x0001
	EFSignCA    uint16 = 0x0002
	EFTokenInfo uint16 = 0x0006
	EFCertFlags uint16 = 0x0008
	EFAuthCert  uint16 = 0x000A
	EFAuthCA    uint16 = 0x000B
	EFAuthKey   uint16 = 0x0017
	EFAuthPIN   uint16 = 0x0018
	EFSignKey   uint16 = 0x001A
	EFSignPIN   uint16 = 0x001B
)

// Token labels in EF 0006 (jpki.md §1.2).
const (
	LabelCard      = "JPKIAPICCTOKEN2"
	LabelAndroidSE = "JPKIAPGPSETOKEN"
	LabelIPhone    = "JPKIAPIOSTOKEN"
)

// tokenInfoSize is the size of EF 0006, a serialized CK_TOKEN_INFO.
const tokenInfoSize = 160

type efKind int

const (
	efBinary efKind = iota // transparent EF, READ BINARY works
	efKey                  // internal private-key EF
	efPIN                  // internal PIN EF
)

// which PIN guards an EF or is held by a PIN EF.
type pinRef int

const (
	pinNone pinRef = iota
	pinAuth
	pinSign
)

type ef struct {
	kind efKind
	data []byte
	// readPIN must be verified before READ BINARY (0001 on every profile,
	// 000A on the Android token).
	readPIN pinRef
	// pin is the PIN this EF holds (efPIN) or that unlocks its key (efKey).
	pin pinRef
	key *rsa.PrivateKey // efKey only; nil when the key did not parse
}

// buildFS lays out the JPKI application's EFs from a card file.
func buildFS(f *File) map[uint16]*ef {
	fill := func(der []byte) []byte {
		return append(append([]byte(nil), der...), bytes.Repeat([]byte{0xFF}, f.Filler)...)
	}
	authKey, _ := parseKey(f.Auth.PrivateKey)
	fs := map[uint16]*ef{
		EFTokenInfo: {data: tokenInfo(f.Profile)},
		EFCertFlags: {data: []byte{0x00, 0x8F, 0x00}},
		EFAuthCert:  {data: fill(f.Auth.Certificate)},
		EFAuthCA:    {data: fill(f.Auth.CACertificate)},
		EFAuthKey:   {kind: efKey, pin: pinAuth, key: authKey},
		EFAuthPIN:   {kind: efPIN, pin: pinAuth},
	}
	if f.Profile == ProfileAndroidSE {
		fs[EFAuthCert].readPIN = pinAuth
	}
	// Without a signature certificate the sign EFs are modelled as absent
	// (6A82). What an under-15 card really answers is unknown.
	if f.Sign != nil {
		signKey, _ := parseKey(f.Sign.PrivateKey)
		fs[EFCertFlags].data[0] = 0x8F
		fs[EFSignCert] = &ef{data: fill(f.Sign.Certificate), readPIN: pinSign}
		fs[EFSignCA] = &ef{data: fill(f.Sign.CACertificate)}
		fs[EFSignKey] = &ef{kind: efKey, pin: pinSign, key: signKey}
		fs[EFSignPIN] = &ef{kind: efPIN, pin: pinSign}
	}
	return fs
}

// tokenInfo builds EF 0006: a CK_TOKEN_INFO with 32-bit big-endian integers.
// Only the label is known from real cards; the other text fields name the
// emulator and the integers are zero.
func tokenInfo(profile string) []byte {
	label := LabelCard
	switch profile {
	case ProfileAndroidSE:
		label = LabelAndroidSE
	case ProfileIPhone:
		label = LabelIPhone
	}
	b := make([]byte, 0, tokenInfoSize)
	b = appendPadded(b, label, 32)         // label
	b = appendPadded(b, "JPKI-EMU", 32)    // manufacturerID
	b = appendPadded(b, "Inkan vcard", 16) // model
	b = appendPadded(b, "0000000000", 16)  // serialNumber
	b = append(b, make([]byte, 4+10*4)...) // flags and ten CK_ULONG counters
	b = append(b, make([]byte, 2+2)...)    // hardware and firmware version
	b = appendPadded(b, "", 16)            // utcTime
	return b
}

func appendPadded(b []byte, s string, n int) []byte {
	b = append(b, s...)
	return append(b, bytes.Repeat([]byte{' '}, n-len(s))...)
}
