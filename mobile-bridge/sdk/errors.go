package inkansdk

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/inkan-id/inkan/cardauth"
	"github.com/inkan-id/inkan/cardauth/jpki"
	mobilebridge "github.com/inkan-id/inkan/mobile-bridge"
	"github.com/inkan-id/inkan/mobile-bridge/protocol"
)

// Error codes of SDKError.Code. They are stable: apps switch on them, and
// the meaning of a code never changes. docs/mobile-integration.md has the
// table of every code with its messages.
const (
	// The PIN or password.

	// CodeWrongPIN: the card refused the PIN; TriesLeft says how many
	// tries remain (at least 1). Ask for the PIN again.
	CodeWrongPIN = "wrong_pin"
	// CodeLastTryNeedsConfirmation: one try is left; the SDK did not send
	// the PIN. Call Sign again with confirmLastTry = true once the user
	// confirmed that a wrong PIN now locks it.
	CodeLastTryNeedsConfirmation = "last_try_needs_confirmation"
	// CodePINBlocked: the PIN (or password) is locked. Only the municipal
	// office can reset the PIN; the sign password also some
	// convenience-store kiosks. Nothing the app can do.
	CodePINBlocked = "pin_blocked"
	// CodeBadPINFormat: not 4 digits (PIN) or not 6–16 letters and digits
	// (password). Nothing reached the card.
	CodeBadPINFormat = "bad_pin_format"

	// The card and NFC.

	// CodeCardMovedAway: the tag was lost (or an APDU timed out) at a step
	// the SDK must not repeat on its own. Call Sign again with the same
	// PIN once the card is back: no new PIN is needed.
	CodeCardMovedAway = "card_moved_away"
	// CodeNotAMyNumberCard: the card has no JPKI application.
	CodeNotAMyNumberCard = "not_a_my_number_card"
	// CodeCertificateMissing: the card has no certificate for this key
	// (e.g. no signature certificate on a child's card).
	CodeCertificateMissing = "certificate_missing"
	// CodeCardError: the card answered something unexpected. Trying again
	// may help.
	CodeCardError = "card_error"

	// The provider's verdict on the card.

	// CodeCertificateExpired: the card's certificate has expired.
	CodeCertificateExpired = "certificate_expired"
	// CodeCertificateRevoked: the card's certificate was revoked.
	CodeCertificateRevoked = "certificate_revoked"
	// CodeCardNotAccepted: not a JPKI certificate the provider trusts.
	CodeCardNotAccepted = "card_not_accepted"
	// CodeVerificationFailed: the provider could not confirm the card's
	// answer (bad signature, malformed data, wrong key).
	CodeVerificationFailed = "verification_failed"
	// CodeDeviceTimeWrong: the provider found the phone's clock too far off.
	CodeDeviceTimeWrong = "device_time_wrong"

	// The transaction and the link.

	// CodeInvalidLink: not a bridge link, or its secret was refused.
	CodeInvalidLink = "invalid_link"
	// CodeServiceNotTrusted: the link points to a host the app was not
	// configured for (Config.AllowedHosts). Nothing was sent.
	CodeServiceNotTrusted = "service_not_trusted"
	// CodeOriginMismatch: the provider saw that the signed answer names
	// another website than itself: a relayed request. Stop.
	CodeOriginMismatch = "origin_mismatch"
	// CodeTransactionExpired: the transaction timed out or is gone.
	CodeTransactionExpired = "transaction_expired"
	// CodeAlreadyUsed: the transaction was already answered.
	CodeAlreadyUsed = "already_used"
	// CodeTooManyAttempts: the provider rejected too many answers.
	CodeTooManyAttempts = "too_many_attempts"
	// CodeClaimedByAnotherDevice: another phone opened this login first.
	// If the user did not, someone else may have the QR code: stop.
	CodeClaimedByAnotherDevice = "claimed_by_another_device"

	// The network and the provider.

	// CodeNetwork: the provider could not be reached.
	CodeNetwork = "network"
	// CodeServiceUnavailable: the provider cannot serve now, or answered
	// outside the protocol.
	CodeServiceUnavailable = "service_unavailable"
	// CodeServiceError: the provider sent an error code this SDK does not
	// know; the message is the provider's own.
	CodeServiceError = "service_error"
	// CodeAppOutdated: the provider needs a newer app (or SDK).
	CodeAppOutdated = "app_outdated"

	// The app and the SDK.

	// CodeTimeout: the call ran past its deadline (Config.DeadlineMillis).
	CodeTimeout = "timeout"
	// CodeCancelled: Cancel was called, the Listener declined, or the host
	// reported a cancelled NFC session.
	CodeCancelled = "cancelled"
	// CodeInternal: a misuse of the SDK (e.g. Sign before Prepare) or a
	// bug.
	CodeInternal = "internal"
)

// allCodes lists every code, in the order of the documentation table.
var allCodes = []string{
	CodeWrongPIN, CodeLastTryNeedsConfirmation, CodePINBlocked, CodeBadPINFormat,
	CodeCardMovedAway, CodeNotAMyNumberCard, CodeCertificateMissing, CodeCardError,
	CodeCertificateExpired, CodeCertificateRevoked, CodeCardNotAccepted, CodeVerificationFailed, CodeDeviceTimeWrong,
	CodeInvalidLink, CodeServiceNotTrusted, CodeOriginMismatch, CodeTransactionExpired, CodeAlreadyUsed, CodeTooManyAttempts,
	CodeClaimedByAnotherDevice,
	CodeNetwork, CodeServiceUnavailable, CodeServiceError, CodeAppOutdated,
	CodeTimeout, CodeCancelled, CodeInternal,
}

// Credentials, as in Request.Credential and SDKError.Credential.
const (
	// CredentialPIN is the 4-digit PIN of the user-authentication
	// certificate (利用者証明用電子証明書の暗証番号), used to log in.
	CredentialPIN = "pin"
	// CredentialPassword is the 6–16 character password of the signature
	// certificate (署名用電子証明書のパスワード), used for eKYC.
	CredentialPassword = "password"
)

// SDKError is every error the SDK returns. gomobile turns it into an
// exception (Java) or NSError (ObjC); pass that back to ErrorCode,
// ErrorMessage, ErrorTriesLeft and ErrorRetryable to read it.
type SDKError struct {
	// Code is the stable reason, one of the Code constants.
	Code string
	// TriesLeft is the PIN retry counter for wrong_pin,
	// last_try_needs_confirmation (1) and pin_blocked (0); -1 otherwise.
	TriesLeft int
	// Retryable is true when calling Sign (or Run) again for the same
	// transaction can succeed: with a new PIN after wrong_pin, with the
	// same PIN after card_moved_away, after confirmation for
	// last_try_needs_confirmation, or later for network trouble.
	Retryable bool
	// Credential is CredentialPIN or CredentialPassword when the error is
	// about one, else "".
	Credential string
	// Detail is a technical description for logs and bug reports. It never
	// holds the PIN, the link's secret or certificate contents.
	Detail string

	serverEN, serverJA string // the provider's texts, for an unknown code
	cause              error
}

// Error implements error. The text starts with "inkan: CODE" (and
// "[TRIES]" for PIN errors) so that ErrorCode still works on a copy of the
// message, e.g. after a host wrapped the exception.
func (e *SDKError) Error() string {
	var b strings.Builder
	b.WriteString("inkan: ")
	b.WriteString(e.Code)
	if e.TriesLeft >= 0 {
		fmt.Fprintf(&b, "[%d]", e.TriesLeft)
	}
	b.WriteString(": ")
	if e.Detail != "" {
		b.WriteString(e.Detail)
	} else {
		b.WriteString(e.Message("en"))
	}
	return b.String()
}

// Unwrap returns the underlying cause, for Go callers.
func (e *SDKError) Unwrap() error { return e.cause }

// Message returns the text to show the user: Japanese when lang starts
// with "ja", English otherwise.
func (e *SDKError) Message(lang string) string {
	if e.serverEN != "" || e.serverJA != "" {
		if isJapanese(lang) && e.serverJA != "" {
			return e.serverJA
		}
		if e.serverEN != "" {
			return e.serverEN
		}
	}
	return message(e.Code, e.Credential, e.TriesLeft, lang)
}

// ErrorCode returns the code of an error returned by the SDK ("" for nil,
// "internal" for an error that did not come from the SDK).
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	if e := asSDKError(err); e != nil {
		return e.Code
	}
	return CodeInternal
}

// ErrorMessage returns the user-facing text of err in lang ("ja" or "en";
// anything not starting with "ja" gives English). "" for nil.
func ErrorMessage(err error, lang string) string {
	if err == nil {
		return ""
	}
	if e := asSDKError(err); e != nil {
		return e.Message(lang)
	}
	return message(CodeInternal, "", -1, lang)
}

// ErrorTriesLeft returns the PIN retry counter carried by err, or -1.
func ErrorTriesLeft(err error) int {
	if e := asSDKError(err); e != nil {
		return e.TriesLeft
	}
	return -1
}

// ErrorRetryable reports whether trying the same transaction again can
// succeed (see SDKError.Retryable).
func ErrorRetryable(err error) bool {
	if e := asSDKError(err); e != nil {
		return e.Retryable
	}
	return false
}

// MessageFor returns the standard text of code in lang, for apps that kept
// only the code. PIN codes get the wording of the 4-digit PIN.
func MessageFor(code, lang string) string { return message(code, "", -1, lang) }

// asSDKError finds the SDKError in err. An error that crossed a language
// boundary as text only (a host wrapped the exception) is recognised by
// the "inkan: CODE[TRIES]:" prefix of SDKError.Error.
func asSDKError(err error) *SDKError {
	if err == nil {
		return nil
	}
	var e *SDKError
	if errors.As(err, &e) {
		return e
	}
	s := err.Error()
	i := strings.Index(s, "inkan: ")
	if i < 0 {
		return nil
	}
	rest := s[i+len("inkan: "):]
	end := strings.IndexByte(rest, ':')
	if end < 0 {
		return nil
	}
	code, tries := rest[:end], -1
	if open := strings.IndexByte(code, '['); open > 0 && strings.HasSuffix(code, "]") {
		n, err := strconv.Atoi(code[open+1 : len(code)-1])
		if err != nil {
			return nil
		}
		code, tries = code[:open], n
	}
	if _, ok := messages[code]; !ok {
		return nil
	}
	return &SDKError{Code: code, TriesLeft: tries, Retryable: defaultRetryable(code, tries), Detail: rest[end+1:]}
}

// newError returns an SDKError of code with its default retry flag.
func newError(code, detail string, cause error) *SDKError {
	return &SDKError{Code: code, TriesLeft: -1, Retryable: defaultRetryable(code, -1), Detail: detail, cause: cause}
}

func defaultRetryable(code string, tries int) bool {
	switch code {
	case CodeWrongPIN, CodeLastTryNeedsConfirmation, CodeBadPINFormat, CodeCardMovedAway, CodeCardError,
		CodeNetwork, CodeServiceUnavailable, CodeTimeout:
		return true
	}
	return false
}

func credentialOf(k jpki.KeyKind) string {
	if k == jpki.SignKey {
		return CredentialPassword
	}
	return CredentialPIN
}

// pinError returns an error about k's PIN with the counter.
func pinError(code string, k jpki.KeyKind, tries int, detail string, cause error) *SDKError {
	if code == CodeWrongPIN && tries == 0 {
		code = CodePINBlocked
	}
	return &SDKError{Code: code, TriesLeft: tries, Retryable: defaultRetryable(code, tries), Credential: credentialOf(k), Detail: detail, cause: cause}
}

// errCancelled is what Cancel, a declining Listener and a host's
// "cancelled" error become.
var errCancelled = errors.New("cancelled")

// mapError turns any failure of an SDK call into an *SDKError. k is the
// key in use, for the wording of PIN errors.
func mapError(err error, k jpki.KeyKind) *SDKError {
	if err == nil {
		return nil
	}
	var se *SDKError
	if errors.As(err, &se) {
		return se
	}
	var (
		wrong   *jpki.WrongPINError
		format  *jpki.PINFormatError
		dropped *counterDroppedError
		status  *jpki.StatusError
		pe      *protocol.Error
		le      *protocol.LinkError
		te      *mobilebridge.TransportError
		ba      *mobilebridge.BadAnswerError
	)
	switch {
	case errors.Is(err, errCancelled):
		return newError(CodeCancelled, err.Error(), err)
	case errors.Is(err, context.DeadlineExceeded):
		return newError(CodeTimeout, err.Error(), err)
	case errors.Is(err, context.Canceled):
		return newError(CodeCancelled, err.Error(), err)
	case errors.As(err, &dropped):
		return pinError(CodeWrongPIN, k, dropped.tries, err.Error(), err)
	case errors.As(err, &wrong):
		return pinError(CodeWrongPIN, k, wrong.Remaining, err.Error(), err)
	case errors.Is(err, jpki.ErrPINBlocked):
		return pinError(CodePINBlocked, k, 0, err.Error(), err)
	case errors.Is(err, jpki.ErrLastTry):
		return pinError(CodeLastTryNeedsConfirmation, k, 1, err.Error(), err)
	case errors.As(err, &format):
		return pinError(CodeBadPINFormat, k, -1, err.Error(), err)
	case errors.Is(err, cardauth.ErrCardGone):
		return newError(CodeCardMovedAway, err.Error(), err)
	case errors.As(err, &status) && errors.Is(err, jpki.ErrFileNotFound):
		if status.Op == "select JPKI AP" {
			return newError(CodeNotAMyNumberCard, err.Error(), err)
		}
		e := newError(CodeCertificateMissing, err.Error(), err)
		e.Credential = credentialOf(k)
		return e
	case errors.As(err, &status), errors.Is(err, jpki.ErrMalformedResponse):
		return newError(CodeCardError, err.Error(), err)
	case errors.As(err, &le):
		return newError(CodeInvalidLink, err.Error(), err)
	case errors.As(err, &pe):
		return serverError(pe)
	case errors.As(err, &te):
		return newError(CodeNetwork, err.Error(), err)
	case errors.As(err, &ba):
		return newError(CodeServiceUnavailable, err.Error(), err)
	}
	return newError(CodeInternal, err.Error(), err)
}

// serverError maps the provider's refusal to an SDK code. The provider's
// retry flag decides where it says something about this transaction.
func serverError(pe *protocol.Error) *SDKError {
	code := ""
	switch pe.Code {
	case protocol.CodeExpired, protocol.CodeNotFound:
		code = CodeTransactionExpired
	case protocol.CodeUnauthorized:
		code = CodeInvalidLink
	case protocol.CodeAlreadyUsed:
		code = CodeAlreadyUsed
	case protocol.CodeTooManyAttempts:
		code = CodeTooManyAttempts
	case protocol.CodeOriginMismatch:
		code = CodeOriginMismatch
	case protocol.CodeBadSignature, protocol.CodeMalformed, protocol.CodeWrongPurpose, protocol.CodeChallengeMismatch:
		code = CodeVerificationFailed
	case protocol.CodeUntrustedCertificate:
		code = CodeCardNotAccepted
	case protocol.CodeCertificateExpired:
		code = CodeCertificateExpired
	case protocol.CodeCertificateRevoked:
		code = CodeCertificateRevoked
	case protocol.CodeStaleResponse:
		code = CodeDeviceTimeWrong
	case protocol.CodeBusy, protocol.CodeUnavailable, protocol.CodeRevocationUnavailable, protocol.CodeInternal:
		code = CodeServiceUnavailable
	case protocol.CodeMethodNotAllowed, "claim_required":
		code = CodeAppOutdated
	case "claimed_by_another_device":
		code = CodeClaimedByAnotherDevice
	}
	detail := "provider answered " + string(pe.Code)
	if code == "" {
		e := newError(CodeServiceError, detail, pe)
		e.serverEN, e.serverJA = pe.Message, pe.MessageJA
		e.Retryable = pe.Retry
		return e
	}
	e := newError(code, detail, pe)
	switch code {
	case CodeVerificationFailed, CodeServiceUnavailable, CodeDeviceTimeWrong:
		// These may pass on another try if the provider still takes one.
		e.Retryable = pe.Retry || (code == CodeServiceUnavailable && pe.Code != protocol.CodeInternal)
	}
	return e
}
