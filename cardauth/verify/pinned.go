package verify

// Pinned SHA-256 fingerprints (over the DER certificate) of the JPKI roots
// that J-LIS publishes at https://www.jpki.go.jp/ca/index.html
// (利用者証明用: ca_rules4.html, 署名用: ca_rules3.html; jpki.md §5.1),
// checked against the published PEM files with `openssl x509 -fingerprint
// -sha256`.
//
// The 2019 generation (auth root serial 0133C349, sign root serial 0132C4AB)
// is not pinned: its published certificate has not been checked here yet.
// Production configurations therefore refuse it, and cards issued under it
// do not verify, until its fingerprints are added to this table.
var pinnedRoots = map[[32]byte]pinnedRoot{
	fp("4DCFC4CA0AAF9FB2A3081B3F0C991C320B3ACC008667A341EEAEC5AF1D58CA7D"): {Auth, "JPKI user authentication root, 2015 (serial 01)"},
	fp("64114F29620C24ED2631D46476A040E7EE740D956089C00B036A6A8118C322B5"): {Auth, "JPKI user authentication root, 2023 (serial 06D18006)"},
	fp("19645405A1FE14377434BD55957628AC4038557C542403A2243F21C706FC9355"): {Sign, "JPKI digital signature root, 2015 (serial 01)"},
	fp("D227F6CDE11D35C5252178F106F843D24651944975413B539FA2FB68DBFA365F"): {Sign, "JPKI digital signature root, 2023 (serial 067C6A21)"},
}

// pinnedRoot says what a pinned fingerprint is.
type pinnedRoot struct {
	purpose Purpose // the hierarchy: an auth root never vouches for a signing
	name    string
}

// fp decodes a fingerprint literal; it panics on a typo, at init.
func fp(hexFP string) [32]byte {
	var out [32]byte
	if len(hexFP) != 64 {
		panic("verify: bad pinned fingerprint length")
	}
	for i := range out {
		out[i] = unhex(hexFP[2*i])<<4 | unhex(hexFP[2*i+1])
	}
	return out
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10
	}
	panic("verify: bad pinned fingerprint digit")
}
