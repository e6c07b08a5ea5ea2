package inkansdk

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/inkan-id/inkan/cardauth/apdu"
	"github.com/inkan-id/inkan/cardauth/jpki"
	mobilebridge "github.com/inkan-id/inkan/mobile-bridge"
	"github.com/inkan-id/inkan/mobile-bridge/protocol"
)

var update = flag.Bool("update", false, "rewrite the error table in docs/mobile-integration.md")

const docPath = "../../docs/mobile-integration.md"

// TestEveryCodeHasBothLanguages: every code a user can meet has a message
// in English and Japanese, every refinement too, and the placeholders
// agree.
func TestEveryCodeHasBothLanguages(t *testing.T) {
	for _, code := range allCodes {
		if _, ok := messages[code]; !ok {
			t.Errorf("%s: no messages", code)
		}
	}
	for key, m := range messages {
		base, _, _ := strings.Cut(key, "/")
		if !slices.Contains(allCodes, base) {
			t.Errorf("%s: not a code", key)
		}
		en, ja := m[0], m[1]
		if strings.TrimSpace(en) == "" || strings.TrimSpace(ja) == "" {
			t.Errorf("%s: empty message", key)
		}
		if !hasJapanese(ja) {
			t.Errorf("%s: Japanese message has no Japanese: %q", key, ja)
		}
		if !strings.HasSuffix(en, ".") || !strings.HasSuffix(ja, "。") {
			t.Errorf("%s: messages should be full sentences", key)
		}
		if strings.Count(en, "%") != strings.Count(ja, "%") || strings.Count(en, "%d") != strings.Count(ja, "%d") {
			t.Errorf("%s: placeholders differ", key)
		}
		for _, word := range []string{"APDU", "JPKI", "NFC", "certificate chain", "HTTP", "status word"} {
			if strings.Contains(en, word) {
				t.Errorf("%s: technical word %q in a user message", key, word)
			}
		}
	}
}

func hasJapanese(s string) bool {
	for _, r := range s {
		if unicode.In(r, unicode.Hiragana, unicode.Katakana, unicode.Han) {
			return true
		}
	}
	return false
}

// TestAllCodesListsEveryConstant parses errors.go so that a new Code
// constant cannot miss the table.
func TestAllCodesListsEveryConstant(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "errors.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	ast.Inspect(f, func(n ast.Node) bool {
		vs, ok := n.(*ast.ValueSpec)
		if !ok {
			return true
		}
		for i, name := range vs.Names {
			if strings.HasPrefix(name.Name, "Code") && i < len(vs.Values) {
				if lit, ok := vs.Values[i].(*ast.BasicLit); ok {
					v, _ := strconv.Unquote(lit.Value)
					found = append(found, v)
				}
			}
		}
		return true
	})
	slices.Sort(found)
	want := slices.Sorted(slices.Values(allCodes))
	if !slices.Equal(found, want) {
		t.Fatalf("constants %v\nallCodes  %v", found, want)
	}
}

// codeNotes say when each code happens and what the app does, for the
// table in docs/mobile-integration.md.
var codeNotes = map[string]string{
	CodeWrongPIN:                 "the card refused the PIN; ask again (`TriesLeft` ≥ 1)",
	CodeLastTryNeedsConfirmation: "one try left; nothing sent; ask for confirmation, then `Sign(…, true)`",
	CodePINBlocked:               "counter at 0 (or this try blocked it); nothing more to do in the app",
	CodeBadPINFormat:             "not 4 digits / not 6–16 letters+digits; nothing sent",
	CodeCardMovedAway:            "tag lost or APDU timeout where a repeat is not safe; `Sign` again, same PIN",
	CodeNotAMyNumberCard:         "SELECT of the JPKI AP answered 6A82",
	CodeCertificateMissing:       "the certificate EF is absent (6A82)",
	CodeCardError:                "another card status or a malformed answer",
	CodeCertificateExpired:       "provider: `certificate_expired`",
	CodeCertificateRevoked:       "provider: `certificate_revoked`",
	CodeCardNotAccepted:          "provider: `untrusted_certificate`",
	CodeVerificationFailed:       "provider: `bad_signature`, `malformed`, `wrong_purpose`, `challenge_mismatch`",
	CodeDeviceTimeWrong:          "provider: `stale_response`",
	CodeInvalidLink:              "not a bridge link; provider: `unauthorized`",
	CodeServiceNotTrusted:        "host not in `Config.AllowedHosts`; nothing sent",
	CodeOriginMismatch:           "provider: `origin_mismatch` (or its transaction names another origin)",
	CodeTransactionExpired:       "provider: `expired`, `not_found`",
	CodeAlreadyUsed:              "provider: `already_used`",
	CodeTooManyAttempts:          "provider: `too_many_attempts`",
	CodeClaimedByAnotherDevice:   "provider: `claimed_by_another_device`",
	CodeNetwork:                  "DNS, TCP, TLS, HTTP timeout",
	CodeServiceUnavailable:       "provider: `unavailable`, `busy`, `revocation_unavailable`, `internal`; or an answer outside the protocol",
	CodeServiceError:             "a provider code this SDK does not know; the provider's own texts",
	CodeAppOutdated:              "provider: `claim_required`, `method_not_allowed`",
	CodeTimeout:                  "the call passed `Config.DeadlineMillis`",
	CodeCancelled:                "`Cancel()`, Listener declined, host error starting with `cancelled`",
	CodeInternal:                 "SDK misuse (Sign before Prepare) or a bug",
}

// errorTable renders the table of docs/mobile-integration.md.
func errorTable() string {
	var b strings.Builder
	b.WriteString("| code | when | retry | English | 日本語 |\n| --- | --- | --- | --- | --- |\n")
	cell := func(s string) string { return strings.NewReplacer("|", "\\|", "%d", "N").Replace(s) }
	for _, code := range allCodes {
		keys := []string{code}
		for _, v := range []string{"/last", "/password", "/password/last"} {
			if _, ok := messages[code+v]; ok {
				keys = append(keys, code+v)
			}
		}
		for i, key := range keys {
			m := messages[key]
			name, note, retry := "`"+code+"`", codeNotes[code], "no"
			if defaultRetryable(code, -1) {
				retry = "yes"
			}
			if i > 0 {
				name = "↳ " + strings.NewReplacer("/password/last", "password, one try left", "/password", "password", "/last", "one try left").Replace(strings.TrimPrefix(key, code))
				note, retry = "", ""
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", name, cell(note), retry, cell(m[0]), cell(m[1]))
		}
	}
	return b.String()
}

const (
	tableBegin = "<!-- error-table:begin (generated: go test ./mobile-bridge/sdk -run TestErrorTableInDocs -update) -->\n"
	tableEnd   = "<!-- error-table:end -->"
)

// TestErrorTableInDocs keeps the table in the integration guide equal to
// the messages the SDK shows.
func TestErrorTableInDocs(t *testing.T) {
	for _, code := range allCodes {
		if codeNotes[code] == "" {
			t.Errorf("%s: no note for the docs table", code)
		}
	}
	doc, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	s := string(doc)
	i, j := strings.Index(s, tableBegin), strings.Index(s, tableEnd)
	if i < 0 || j < i {
		t.Fatalf("%s: markers not found", docPath)
	}
	want := errorTable()
	if got := s[i+len(tableBegin) : j]; got != want {
		if *update {
			if err := os.WriteFile(docPath, []byte(s[:i+len(tableBegin)]+want+s[j:]), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		t.Fatalf("%s: error table out of date; run with -update", docPath)
	}
}

func TestErrorHelpers(t *testing.T) {
	if ErrorCode(nil) != "" || ErrorMessage(nil, "ja") != "" || ErrorTriesLeft(nil) != -1 || ErrorRetryable(nil) {
		t.Fatal("nil error")
	}
	foreign := errors.New("boom")
	if ErrorCode(foreign) != CodeInternal || ErrorMessage(foreign, "ja") != messages[CodeInternal][1] {
		t.Fatal("foreign error")
	}
	e := pinError(CodeWrongPIN, jpki.AuthKey, 2, "", nil)
	if got := ErrorMessage(e, "ja-JP"); !strings.Contains(got, "あと2回") {
		t.Fatalf("ja: %q", got)
	}
	if got := ErrorMessage(e, "en-US"); !strings.Contains(got, ": 2.") {
		t.Fatalf("en: %q", got)
	}
	last := pinError(CodeWrongPIN, jpki.SignKey, 1, "", nil)
	if got := last.Message("ja"); got != fmt.Sprintf(messages[CodeWrongPIN+"/password/last"][1], 1) {
		t.Fatalf("last try wording: %q", got)
	}
	// A host that wrapped the exception keeps only its text: the code and
	// tries survive in it.
	wrapped := fmt.Errorf("java.lang.RuntimeException: %s", e.Error())
	if ErrorCode(wrapped) != CodeWrongPIN || ErrorTriesLeft(wrapped) != 2 || !ErrorRetryable(wrapped) {
		t.Fatalf("from text: %q → %q %d", wrapped, ErrorCode(wrapped), ErrorTriesLeft(wrapped))
	}
	if ErrorCode(errors.New("inkan: no_such_code: x")) != CodeInternal {
		t.Fatal("unknown code in text")
	}
	if got := MessageFor(CodePINBlocked, "ja"); !strings.Contains(got, "市区町村") {
		t.Fatalf("MessageFor: %q", got)
	}
	if MessageFor("nonsense", "en") != messages[CodeInternal][0] {
		t.Fatal("unknown code")
	}
}

func TestMapCardErrors(t *testing.T) {
	for _, c := range []struct {
		err   error
		key   jpki.KeyKind
		code  string
		tries int
		cred  string
	}{
		{&jpki.WrongPINError{Remaining: 2}, jpki.AuthKey, CodeWrongPIN, 2, CredentialPIN},
		{&jpki.WrongPINError{Remaining: 0}, jpki.AuthKey, CodePINBlocked, 0, CredentialPIN},
		{&jpki.StatusError{Op: "verify", SW: apdu.SWBlocked}, jpki.SignKey, CodePINBlocked, 0, CredentialPassword},
		{fmt.Errorf("x: %w", jpki.ErrLastTry), jpki.AuthKey, CodeLastTryNeedsConfirmation, 1, CredentialPIN},
		{&jpki.PINFormatError{Kind: jpki.SignKey}, jpki.SignKey, CodeBadPINFormat, -1, CredentialPassword},
		{&jpki.StatusError{Op: "select JPKI AP", SW: apdu.SWFileNotFound}, jpki.AuthKey, CodeNotAMyNumberCard, -1, ""},
		{&jpki.StatusError{Op: "read EF 0001", SW: apdu.SWFileNotFound}, jpki.SignKey, CodeCertificateMissing, -1, CredentialPassword},
		{&jpki.StatusError{Op: "sign", SW: apdu.SWKeyNotSet}, jpki.AuthKey, CodeCardError, -1, ""},
		{&jpki.CertificateError{Reason: "x"}, jpki.AuthKey, CodeCardError, -1, ""},
		{&lostError{reason: "x"}, jpki.AuthKey, CodeCardMovedAway, -1, ""},
		{&counterDroppedError{tries: 1}, jpki.AuthKey, CodeWrongPIN, 1, CredentialPIN},
		{context.DeadlineExceeded, jpki.AuthKey, CodeTimeout, -1, ""},
		{context.Canceled, jpki.AuthKey, CodeCancelled, -1, ""},
		{&protocol.LinkError{Reason: "x"}, jpki.AuthKey, CodeInvalidLink, -1, ""},
		{&mobilebridge.TransportError{Op: "fetch", Err: errors.New("x")}, jpki.AuthKey, CodeNetwork, -1, ""},
		{&mobilebridge.BadAnswerError{Op: "fetch", Status: 302}, jpki.AuthKey, CodeServiceUnavailable, -1, ""},
	} {
		e := mapError(c.err, c.key)
		if e.Code != c.code || e.TriesLeft != c.tries || e.Credential != c.cred {
			t.Errorf("%v: got %s/%d/%q, want %s/%d/%q", c.err, e.Code, e.TriesLeft, e.Credential, c.code, c.tries, c.cred)
		}
		if m := e.Message("ja"); m == "" || strings.Contains(m, "%") {
			t.Errorf("%v: message %q", c.err, m)
		}
	}
}

// TestEveryProviderCodeIsMapped: a provider code without an SDK code would
// reach users as the generic service_error. This fails when the bridge
// protocol gains a code, as a reminder to map it.
func TestEveryProviderCodeIsMapped(t *testing.T) {
	for _, c := range protocol.Codes() {
		if e := serverError(protocol.NewError(c)); e.Code == CodeServiceError {
			t.Errorf("provider code %s has no SDK code", c)
		}
	}
	unknown := serverError(&protocol.Error{Code: "from_the_future", Message: "Hello.", MessageJA: "こんにちは。", Retry: true})
	if unknown.Code != CodeServiceError || unknown.Message("ja") != "こんにちは。" || unknown.Message("en") != "Hello." || !unknown.Retryable {
		t.Fatalf("unknown code: %+v", unknown)
	}
	if e := serverError(protocol.NewError(protocol.CodeBadSignature).WithRetry(true)); !e.Retryable {
		t.Fatal("bad_signature with retry should be retryable")
	}
	if e := serverError(protocol.NewError(protocol.CodeOriginMismatch).WithRetry(true)); e.Retryable {
		t.Fatal("origin_mismatch must stay final")
	}
}
