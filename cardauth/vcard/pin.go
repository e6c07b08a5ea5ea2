package vcard

import (
	"errors"
	"strings"
)

// ValidateAuthPIN checks the user-authentication PIN rule: exactly 4 digits
// (jpki.md §3).
func ValidateAuthPIN(pin string) error {
	if !authPINOK([]byte(pin)) {
		return errors.New("auth PIN must be exactly 4 digits")
	}
	return nil
}

// NormalizeSignPassword upper-cases a signature password and checks the
// official rule: 6–16 characters of A–Z and 0–9, with at least one letter and
// one digit (jpki.md §3). The card compares exact bytes, so clients and card
// files hold the upper-case form.
func NormalizeSignPassword(pw string) (string, error) {
	up := strings.ToUpper(pw)
	if !signPasswordOK([]byte(up)) {
		return "", errors.New("signature password must be 6–16 of A–Z and 0–9, with both letters and digits")
	}
	return up, nil
}

func authPINOK(b []byte) bool {
	if len(b) != 4 {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func signPasswordOK(b []byte) bool {
	if len(b) < 6 || len(b) > 16 {
		return false
	}
	var letter, digit bool
	for _, c := range b {
		switch {
		case c >= 'A' && c <= 'Z':
			letter = true
		case c >= '0' && c <= '9':
			digit = true
		default:
			return false
		}
	}
	return letter && digit
}
