package apdu

import "fmt"

// StatusWord is SW1‖SW2 of a response APDU.
type StatusWord uint16

// Status words the JPKI application uses (jpki.md §2.6, JICSAP wording).
const (
	SWOK                     StatusWord = 0x9000
	SWEndOfFile              StatusWord = 0x6282 // end of file before Ne bytes
	SWWrongLength            StatusWord = 0x6700
	SWLogicalChannel         StatusWord = 0x6881 // logical channel not supported
	SWSecureMessaging        StatusWord = 0x6882 // secure messaging not supported
	SWIncompatibleFile       StatusWord = 0x6981 // command incompatible with file structure
	SWSecurityStatus         StatusWord = 0x6982 // security status not satisfied
	SWBlocked                StatusWord = 0x6984 // referenced IEF locked (blocked PIN)
	SWConditionsNotSatisfied StatusWord = 0x6985
	SWNoCurrentEF            StatusWord = 0x6986
	SWSMDataObjects          StatusWord = 0x69FC // secure-messaging CLA on a plain command (JICSAP)
	SWWrongData              StatusWord = 0x6A80
	SWFileNotFound           StatusWord = 0x6A82
	SWIncorrectP1P2          StatusWord = 0x6A86
	SWKeyNotSet              StatusWord = 0x6A88
	SWOffsetBeyondEF         StatusWord = 0x6B00
	SWINSNotSupported        StatusWord = 0x6D00
	SWCLANotSupported        StatusWord = 0x6E00
)

// SW1 returns the first status byte.
func (s StatusWord) SW1() byte { return byte(s >> 8) }

// SW2 returns the second status byte.
func (s StatusWord) SW2() byte { return byte(s) }

// OK reports whether s is 9000.
func (s StatusWord) OK() bool { return s == SWOK }

// MoreData reports a 61xx answer: SW2 more bytes wait for GET RESPONSE
// (00 means 256).
func (s StatusWord) MoreData() (n int, ok bool) {
	if s.SW1() != 0x61 {
		return 0, false
	}
	return shortNe(s.SW2()), true
}

// WrongLe reports a 6Cxx answer: resend the command with Ne = SW2
// (00 means 256).
func (s StatusWord) WrongLe() (n int, ok bool) {
	if s.SW1() != 0x6C {
		return 0, false
	}
	return shortNe(s.SW2()), true
}

// Retries reports a 63Cx answer: a verification failed, or a counter
// query answered, with x tries remaining.
func (s StatusWord) Retries() (n int, ok bool) {
	if s&0xFFF0 != 0x63C0 {
		return 0, false
	}
	return int(s & 0x0F), true
}

// RetriesSW returns the 63Cx status word for n tries left (n is clamped to 0–15).
func RetriesSW(n int) StatusWord {
	n = max(0, min(n, 15))
	return 0x63C0 | StatusWord(n)
}

func (s StatusWord) String() string { return fmt.Sprintf("%04X", uint16(s)) }
