package protocol

import "net/http"

// Code is a stable, machine-readable error code of the bridge. Agents pick
// what to show by code; the strings never change meaning.
type Code string

// Error codes. HTTPStatus gives the status each is sent with.
const (
	// CodeNotFound: no such transaction (or it was cleaned up long ago).
	CodeNotFound Code = "not_found"
	// CodeUnauthorized: missing or wrong secret or browser token.
	CodeUnauthorized Code = "unauthorized"
	// CodeExpired: the transaction timed out, or the login it belongs to
	// is gone.
	CodeExpired Code = "expired"
	// CodeAlreadyUsed: the transaction was already answered successfully.
	CodeAlreadyUsed Code = "already_used"
	// CodeBusy: another answer to this transaction is being verified.
	CodeBusy Code = "busy"
	// CodeClaimedByAnotherDevice: another agent fetched the transaction
	// first; only that device may fetch or answer it.
	CodeClaimedByAnotherDevice Code = "claimed_by_another_device"
	// CodeClaimRequired: the agent sent no valid claim token (header
	// Inkan-Agent-Claim), or answered without fetching first; an agent
	// older than the claim cannot be used.
	CodeClaimRequired Code = "claim_required"
	// CodeMalformed: the request body or the card data could not be read.
	CodeMalformed Code = "malformed"
	// CodeBadSignature: the card's signature does not verify.
	CodeBadSignature Code = "bad_signature"
	// CodeUntrustedCertificate: the certificate is not a JPKI certificate
	// the provider trusts.
	CodeUntrustedCertificate Code = "untrusted_certificate"
	// CodeCertificateExpired: the card's certificate has expired.
	CodeCertificateExpired Code = "certificate_expired"
	// CodeCertificateRevoked: the card's certificate was revoked.
	CodeCertificateRevoked Code = "certificate_revoked"
	// CodeRevocationUnavailable: revocation status could not be checked;
	// the provider fails closed. Trying again later may work.
	CodeRevocationUnavailable Code = "revocation_unavailable"
	// CodeOriginMismatch: client_data names another origin than the
	// provider's; possibly a relayed challenge.
	CodeOriginMismatch Code = "origin_mismatch"
	// CodeWrongPurpose: the wrong key or client_data type was used (auth
	// instead of sign or the reverse).
	CodeWrongPurpose Code = "wrong_purpose"
	// CodeChallengeMismatch: client_data names another transaction or
	// nonce.
	CodeChallengeMismatch Code = "challenge_mismatch"
	// CodeStaleResponse: the client_data time is too old or in the
	// future (a wrong device clock, or a slow answer).
	CodeStaleResponse Code = "stale_response"
	// CodeTooManyAttempts: too many rejected answers; the transaction has
	// failed for good.
	CodeTooManyAttempts Code = "too_many_attempts"
	// CodeMethodNotAllowed: wrong HTTP method for the endpoint.
	CodeMethodNotAllowed Code = "method_not_allowed"
	// CodeUnavailable: the provider cannot serve the request now (storage
	// down); nothing changed and trying again later may work.
	CodeUnavailable Code = "unavailable"
	// CodeInternal: an unexpected error on the provider.
	CodeInternal Code = "internal"
)

// texts are the plain-language messages, English and Japanese, written
// for a user who has never heard of certificates.
var texts = map[Code][2]string{
	CodeNotFound: {
		"This sign-in request was not found. Please start again from the website.",
		"このログインの依頼が見つかりません。もう一度、ウェブサイトから始めてください。"},
	CodeUnauthorized: {
		"This link cannot be used. Please scan the QR code on the website again.",
		"このリンクは使えません。ウェブサイトのQRコードを、もう一度読み取ってください。"},
	CodeExpired: {
		"The time limit has passed. Please start again from the website.",
		"時間切れになりました。もう一度、ウェブサイトから始めてください。"},
	CodeAlreadyUsed: {
		"This sign-in request has already been used. Please start again from the website.",
		"このログインの依頼は、すでに使われています。もう一度、ウェブサイトから始めてください。"},
	CodeBusy: {
		"Your card is already being checked. Please wait a moment.",
		"ただいまカードを確認しています。少しお待ちください。"},
	CodeClaimedByAnotherDevice: {
		"This login was already opened on another device, so it cannot be used here. If you did not open it yourself, someone else may have your QR code: do not continue. Please start again from the website.",
		"このログインは、すでに別の機器で開かれているため、ここでは使えません。ご自身で開いたものでなければ、QRコードが他の人に渡っている可能性があります。操作を続けず、もう一度ウェブサイトから始めてください。"},
	CodeClaimRequired: {
		"This app cannot be used for this login. Please update the app and scan the QR code again.",
		"このアプリでは、このログインを続けられません。アプリを最新版に更新してから、もう一度QRコードを読み取ってください。"},
	CodeMalformed: {
		"Something went wrong while reading your card. Please try again.",
		"カードの読み取りで問題が起きました。もう一度お試しください。"},
	CodeBadSignature: {
		"Your card could not be confirmed. Please hold the card still and try again.",
		"カードを確認できませんでした。カードを動かさずに、もう一度お試しください。"},
	CodeUntrustedCertificate: {
		"This card cannot be used here. Please use your My Number Card.",
		"このカードはここでは使えません。マイナンバーカードをお使いください。"},
	CodeCertificateExpired: {
		"The electronic certificate on your card has expired. Please renew it at your city or town office.",
		"カードの電子証明書の有効期限が切れています。お住まいの市区町村の窓口で更新してください。"},
	CodeCertificateRevoked: {
		"The electronic certificate on your card is no longer valid. Please ask at your city or town office.",
		"カードの電子証明書は、すでに使えなくなっています。お住まいの市区町村の窓口にご相談ください。"},
	CodeRevocationUnavailable: {
		"We cannot check your card right now. Please try again in a few minutes.",
		"ただいまカードの確認ができません。しばらくしてから、もう一度お試しください。"},
	CodeOriginMismatch: {
		"This request did not come from the expected website, so it was stopped for your safety.",
		"想定と違うウェブサイトからの依頼のため、安全のため中止しました。"},
	CodeWrongPurpose: {
		"The card was used for a different kind of request. Please start again from the website.",
		"カードが別の種類の手続きに使われました。もう一度、ウェブサイトから始めてください。"},
	CodeChallengeMismatch: {
		"This answer belongs to a different sign-in request. Please start again from the website.",
		"別のログインの依頼への応答です。もう一度、ウェブサイトから始めてください。"},
	CodeStaleResponse: {
		"The date and time on your device may be wrong, or it took too long. Please check the date and time and try again.",
		"お使いの機器の日付や時刻がずれているか、時間がかかりすぎました。日付と時刻を確かめて、もう一度お試しください。"},
	CodeTooManyAttempts: {
		"There were too many failed tries. Please start again from the website.",
		"失敗が続いたため、この依頼は使えなくなりました。もう一度、ウェブサイトから始めてください。"},
	CodeMethodNotAllowed: {
		"The app could not talk to the service. Please update the app.",
		"アプリとサービスの通信に問題があります。アプリを最新版に更新してください。"},
	CodeUnavailable: {
		"The service cannot be used right now. Please try again in a few minutes.",
		"ただいまサービスを利用できません。しばらくしてから、もう一度お試しください。"},
	CodeInternal: {
		"Something went wrong on our side. Please try again later.",
		"システムで問題が起きました。しばらくしてから、もう一度お試しください。"},
}

// statuses are the HTTP statuses of the codes. Agents should decide by
// Code; the status is for HTTP tooling and caches.
var statuses = map[Code]int{
	CodeNotFound:              http.StatusNotFound,
	CodeUnauthorized:          http.StatusUnauthorized,
	CodeExpired:               http.StatusGone,
	CodeAlreadyUsed:           http.StatusConflict,
	CodeBusy:                  http.StatusConflict,
	CodeMalformed:             http.StatusBadRequest,
	CodeBadSignature:          http.StatusForbidden,
	CodeUntrustedCertificate:  http.StatusForbidden,
	CodeCertificateExpired:    http.StatusForbidden,
	CodeCertificateRevoked:    http.StatusForbidden,
	CodeRevocationUnavailable: http.StatusServiceUnavailable,
	CodeOriginMismatch:        http.StatusForbidden,
	CodeWrongPurpose:          http.StatusForbidden,
	CodeChallengeMismatch:     http.StatusForbidden,
	CodeStaleResponse:         http.StatusForbidden,
	CodeTooManyAttempts:       http.StatusTooManyRequests,
	CodeMethodNotAllowed:      http.StatusMethodNotAllowed,
	CodeUnavailable:           http.StatusServiceUnavailable,
	CodeInternal:              http.StatusInternalServerError,

	// Cross-device safety (claim.go).
	CodeClaimedByAnotherDevice: http.StatusConflict,
	CodeClaimRequired:          http.StatusBadRequest,
}

// Codes returns every known code, for documentation and tests.
func Codes() []Code {
	return []Code{
		CodeNotFound, CodeUnauthorized, CodeExpired, CodeAlreadyUsed, CodeBusy,
		CodeClaimedByAnotherDevice, CodeClaimRequired, CodeMalformed,
		CodeBadSignature, CodeUntrustedCertificate, CodeCertificateExpired, CodeCertificateRevoked,
		CodeRevocationUnavailable, CodeOriginMismatch, CodeWrongPurpose, CodeChallengeMismatch,
		CodeStaleResponse, CodeTooManyAttempts, CodeMethodNotAllowed, CodeUnavailable, CodeInternal,
	}
}

// HTTPStatus returns the HTTP status the code is sent with; 500 for an
// unknown code.
func (c Code) HTTPStatus() int {
	if s, ok := statuses[c]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// Error is the JSON body of every bridge error answer, and the error value
// agents return for it.
type Error struct {
	// Code is the stable reason.
	Code Code `json:"code"`
	// Message and MessageJA are plain-language texts an app may show as is.
	Message   string `json:"message"`
	MessageJA string `json:"message_ja"`
	// Retry is true when answering the same transaction again may succeed
	// (after a wrong signature with tries left, or a passing outage).
	Retry bool `json:"retry,omitempty"`
	// HTTPStatus is the status the error came with (set by clients; not
	// part of the body).
	HTTPStatus int `json:"-"`
}

// NewError returns the Error of code with its standard texts.
func NewError(code Code) *Error {
	t, ok := texts[code]
	if !ok {
		t = texts[CodeInternal]
	}
	return &Error{Code: code, Message: t[0], MessageJA: t[1], HTTPStatus: code.HTTPStatus()}
}

// WithRetry returns e with Retry set to retry.
func (e *Error) WithRetry(retry bool) *Error {
	e.Retry = retry
	return e
}

// Error implements error.
func (e *Error) Error() string { return "bridge: " + string(e.Code) + ": " + e.Message }

// Is lets errors.Is(err, protocol.NewError(code)) test for a code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}
