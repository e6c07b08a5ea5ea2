package jpki

// KeyKind names one of the two JPKI key pairs and the credential guarding it.
type KeyKind int

const (
	// AuthKey is the user-authentication key (利用者証明用), unlocked by a
	// 4-digit PIN with 3 tries.
	AuthKey KeyKind = iota
	// SignKey is the digital-signature key (署名用), unlocked by a 6–16
	// character password with 5 tries.
	SignKey
)

func (k KeyKind) String() string {
	if k == SignKey {
		return "sign"
	}
	return "auth"
}

func (k KeyKind) credential() string {
	if k == SignKey {
		return "signature password"
	}
	return "authentication PIN"
}

// MaxTries is the counter's value after a successful VERIFY (jpki.md §3).
func (k KeyKind) MaxTries() int {
	if k == SignKey {
		return 5
	}
	return 3
}

// Elementary files and short EF identifiers of the JPKI AP (jpki.md §1.2).
const (
	efSignCert  = 0x0001
	efSignCA    = 0x0002
	efToken     = 0x0006
	efAuthCert  = 0x000A
	efAuthCA    = 0x000B
	efAuthKey   = 0x0017
	efAuthPIN   = 0x0018
	efSignKey   = 0x001A
	efSignPIN   = 0x001B
	tokenLength = 32
)

func (k KeyKind) pinEF() uint16 {
	if k == SignKey {
		return efSignPIN
	}
	return efAuthPIN
}

func (k KeyKind) keyEF() uint16 {
	if k == SignKey {
		return efSignKey
	}
	return efAuthKey
}

func (k KeyKind) certEF() uint16 {
	if k == SignKey {
		return efSignCert
	}
	return efAuthCert
}

// NormalizePIN checks a PIN or password against the official format and
// returns the bytes to send. The auth PIN is exactly 4 digits. The sign
// password is 6–16 characters of A–Z and 0–9 with at least one of each;
// lowercase letters are uppercased because the card compares exact bytes
// (jpki.md §3, §13 item 7). The check runs before any VERIFY: a malformed
// PIN may still cost a try on the card.
func NormalizePIN(k KeyKind, pin string) ([]byte, error) {
	if k == AuthKey {
		if len(pin) != 4 {
			return nil, &PINFormatError{Kind: k, Reason: "must be exactly 4 digits"}
		}
		for i := range len(pin) {
			if pin[i] < '0' || pin[i] > '9' {
				return nil, &PINFormatError{Kind: k, Reason: "must be exactly 4 digits"}
			}
		}
		return []byte(pin), nil
	}
	// Uppercase ASCII only: strings.ToUpper would turn some non-ASCII
	// letters (U+0131, U+017F) into A–Z and let them through.
	pw := []byte(pin)
	for i, c := range pw {
		if c >= 'a' && c <= 'z' {
			pw[i] = c - 'a' + 'A'
		}
	}
	if len(pw) < 6 || len(pw) > 16 {
		return nil, &PINFormatError{Kind: k, Reason: "must be 6 to 16 characters"}
	}
	var letters, digits bool
	for i := range len(pw) {
		switch c := pw[i]; {
		case c >= 'A' && c <= 'Z':
			letters = true
		case c >= '0' && c <= '9':
			digits = true
		default:
			return nil, &PINFormatError{Kind: k, Reason: "may hold only letters A-Z and digits 0-9"}
		}
	}
	if !letters || !digits {
		return nil, &PINFormatError{Kind: k, Reason: "must mix letters and digits"}
	}
	return pw, nil
}
