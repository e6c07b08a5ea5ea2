// Package jpki is the client of the JPKI application (公的個人認証AP) on the
// My Number Card, over any cardauth.Transceiver: PC/SC, a phone's NFC, a
// vpcd relay or the virtual card.
//
// It selects the application by AID (never by ATR), reads certificates with
// short READ BINARY chunks sized by their DER header, reads PIN counters
// without spending a try, verifies PINs only after checking their format and
// counter, and signs DigestInfo values with COMPUTE DIGITAL SIGNATURE.
// APDUs and status words follow jpki.md §2; section numbers below refer to it.
// The package never selects the card-surface applications, so it cannot
// read the Individual Number.
package jpki

import (
	"context"
	"errors"
	"fmt"

	"github.com/inkan-id/inkan/cardauth"
	"github.com/inkan-id/inkan/cardauth/apdu"
)

// AID is the DF name of the JPKI application (§1.1).
var AID = []byte{0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01}

// MaxCertificateSize caps what ReadCertificate accepts. Today's RSA
// certificates are about 1.6 KB.
const MaxCertificateSize = 8 << 10

// Options tune a Client. The zero value is what a real card wants.
type Options struct {
	// Extended allows extended-length APDUs. Off: phones and some card
	// generations take only short ones (§2.2).
	Extended bool
	// ExplicitSelect makes every READ BINARY and signature address its EF
	// with SELECT instead of a short EF identifier. The SFI forms save
	// APDUs and are used by two independent implementations (§2.2, §2.4);
	// this switch is for a card that turns out not to accept them. The
	// client also falls back on its own when the card refuses an SFI form.
	ExplicitSelect bool
}

// Client talks to the JPKI application on one card. It is not safe for
// concurrent use: the card has one current file and one security state.
type Client struct {
	t   cardauth.Transceiver
	opt Options
}

// New returns a Client over t.
func New(t cardauth.Transceiver, opt *Options) *Client {
	c := &Client{t: t}
	if opt != nil {
		c.opt = *opt
	}
	return c
}

// Token identifies what holds the JPKI application, from the label in
// EF 0006 (§1.2).
type Token string

// Known tokens.
const (
	TokenCard    Token = "JPKIAPICCTOKEN2" // My Number Card
	TokenJuki    Token = "JPKIAPICCTOKEN"  // old Basic Resident Register card
	TokenAndroid Token = "JPKIAPGPSETOKEN" // smartphone certificate on Android
	TokenIPhone  Token = "JPKIAPIOSTOKEN"  // iPhone's My Number Card
)

// AuthCertNeedsPIN reports whether the auth certificate can be read only
// after VERIFY of the auth PIN (smartphone tokens, §4.6).
func (t Token) AuthCertNeedsPIN() bool { return t == TokenAndroid || t == TokenIPhone }

func (c *Client) exchange(ctx context.Context, cmd apdu.Command) (apdu.Response, error) {
	return cardauth.Exchange(ctx, c.t, cmd, cardauth.ExchangeOptions{Extended: c.opt.Extended})
}

// expectOK sends cmd and turns anything but 9000 into a *StatusError.
func (c *Client) expectOK(ctx context.Context, op string, cmd apdu.Command) (apdu.Response, error) {
	r, err := c.exchange(ctx, cmd)
	if err != nil {
		return r, fmt.Errorf("jpki: %s: %w", op, err)
	}
	if !r.SW.OK() {
		return r, &StatusError{Op: op, SW: r.SW}
	}
	return r, nil
}

// Select selects the JPKI application: 00 A4 04 0C with the full AID (a
// prefix match is legal on this card, so the whole AID is always sent).
// It also drops every PIN's verified state (§2.1), which is how a session
// is logged out. A card without the application answers ErrFileNotFound.
func (c *Client) Select(ctx context.Context) error {
	_, err := c.expectOK(ctx, "select JPKI AP", apdu.Command{CLA: 0x00, INS: 0xA4, P1: 0x04, P2: 0x0C, Data: AID})
	return err
}

func (c *Client) selectEF(ctx context.Context, ef uint16) error {
	_, err := c.expectOK(ctx, fmt.Sprintf("select EF %04X", ef),
		apdu.Command{CLA: 0x00, INS: 0xA4, P1: 0x02, P2: 0x0C, Data: []byte{byte(ef >> 8), byte(ef)}})
	return err
}

// Token reads the token label from EF 0006: 32 ASCII bytes padded with
// spaces. The application must be selected.
func (c *Client) Token(ctx context.Context) (Token, error) {
	b, err := c.readPrefix(ctx, efToken, tokenLength)
	if err != nil {
		return "", err
	}
	end := len(b)
	for end > 0 && (b[end-1] == ' ' || b[end-1] == 0) {
		end--
	}
	for _, ch := range b[:end] {
		if ch < 0x21 || ch > 0x7E {
			return "", fmt.Errorf("%w: token label is not ASCII", ErrMalformedResponse)
		}
	}
	return Token(b[:end]), nil
}

// Open selects the application and reads the token label.
func (c *Client) Open(ctx context.Context) (Token, error) {
	if err := c.Select(ctx); err != nil {
		return "", err
	}
	return c.Token(ctx)
}

// readPrefix reads the first n (≤ 256) bytes of an EF, by SFI unless told
// otherwise; it falls back to SELECT when the card refuses the SFI form.
func (c *Client) readPrefix(ctx context.Context, ef uint16, n int) ([]byte, error) {
	op := fmt.Sprintf("read EF %04X", ef)
	if !c.opt.ExplicitSelect {
		r, err := c.exchange(ctx, apdu.Command{CLA: 0x00, INS: 0xB0, P1: 0x80 | byte(ef), P2: 0, Ne: n})
		if err != nil {
			return nil, fmt.Errorf("jpki: %s: %w", op, err)
		}
		if r.SW.OK() {
			return r.Data, nil
		}
		if !sfiRefused(r.SW) {
			return nil, &StatusError{Op: op, SW: r.SW}
		}
	}
	if err := c.selectEF(ctx, ef); err != nil {
		return nil, err
	}
	r, err := c.expectOK(ctx, op, apdu.Command{CLA: 0x00, INS: 0xB0, P1: 0, P2: 0, Ne: n})
	if err != nil {
		return nil, err
	}
	return r.Data, nil
}

// sfiRefused reports answers that mean "this card does not take the SFI
// form here", after which an explicit SELECT is worth one more APDU.
func sfiRefused(sw apdu.StatusWord) bool {
	switch sw {
	case apdu.SWIncorrectP1P2, apdu.SWWrongData, apdu.SWNoCurrentEF, apdu.SWINSNotSupported, apdu.SWIncompatibleFile:
		return true
	}
	return false
}

// ReadAuthCertificate reads the authentication certificate (EF 000A). The
// physical card gives it freely; smartphone tokens want the auth PIN first.
func (c *Client) ReadAuthCertificate(ctx context.Context) ([]byte, error) {
	return c.ReadCertificate(ctx, AuthKey)
}

// ReadSignCertificate reads the signature certificate (EF 0001). The sign
// password must have been verified in this session, otherwise the card
// answers 6982 (ErrSecurityStatus).
func (c *Client) ReadSignCertificate(ctx context.Context) ([]byte, error) {
	return c.ReadCertificate(ctx, SignKey)
}

// ReadCertificate reads the certificate of key k. The first 256-byte chunk
// is read by SFI (which also makes the EF current); its DER header gives the
// size; the rest follows in 256-byte chunks by offset; filler after the DER
// object is trimmed (§2.2, §13 item 9).
func (c *Client) ReadCertificate(ctx context.Context, k KeyKind) ([]byte, error) {
	ef := k.certEF()
	first, err := c.readPrefix(ctx, ef, apdu.MaxShortNe)
	if err != nil {
		return nil, err
	}
	total, needMore, err := DERLength(first)
	switch {
	case err != nil:
		return nil, &CertificateError{Reason: err.Error()}
	case needMore:
		return nil, &CertificateError{Reason: "first chunk too short for a DER header"}
	case total > MaxCertificateSize:
		return nil, &CertificateError{Reason: fmt.Sprintf("%d bytes, more than %d", total, MaxCertificateSize)}
	}
	buf := make([]byte, 0, total)
	buf = append(buf, first[:min(len(first), total)]...)
	reselected := false
	for len(buf) < total {
		off := len(buf)
		ne := min(apdu.MaxShortNe, total-off)
		r, err := c.exchange(ctx, apdu.Command{CLA: 0x00, INS: 0xB0, P1: byte(off >> 8), P2: byte(off), Ne: ne})
		if err != nil {
			return nil, fmt.Errorf("jpki: read EF %04X at %d: %w", ef, off, err)
		}
		if r.SW == apdu.SWNoCurrentEF && !reselected {
			// The card did not make the SFI-read EF current: select it.
			if err := c.selectEF(ctx, ef); err != nil {
				return nil, err
			}
			reselected = true
			continue
		}
		switch {
		case r.SW == apdu.SWOffsetBeyondEF || r.SW == apdu.SWEndOfFile:
			return nil, &CertificateError{Reason: fmt.Sprintf("file ends at %d, DER header says %d", off+len(r.Data), total)}
		case !r.SW.OK():
			return nil, &StatusError{Op: fmt.Sprintf("read EF %04X at %d", ef, off), SW: r.SW}
		case len(r.Data) == 0:
			return nil, &CertificateError{Reason: fmt.Sprintf("empty chunk at %d of %d", off, total)}
		case len(r.Data) > ne:
			return nil, fmt.Errorf("%w: asked for %d bytes, got %d", ErrMalformedResponse, ne, len(r.Data))
		}
		buf = append(buf, r.Data...)
	}
	return buf, nil
}

// Retries reads the counter of k's PIN without spending a try: SELECT the
// PIN EF, then an empty VERIFY, answered 63Cx (§2.3). A blocked PIN gives 0.
// verified is true when the card instead answers 9000 because the PIN is
// already verified in this session (some cards do, §2.3); tries is then
// unknown and reported as k.MaxTries().
func (c *Client) Retries(ctx context.Context, k KeyKind) (tries int, verified bool, err error) {
	if err := c.selectEF(ctx, k.pinEF()); err != nil {
		return 0, false, err
	}
	op := "read " + k.credential() + " counter"
	r, err := c.exchange(ctx, apdu.Command{CLA: 0x00, INS: 0x20, P1: 0x00, P2: 0x80})
	if err != nil {
		return 0, false, fmt.Errorf("jpki: %s: %w", op, err)
	}
	if n, ok := r.SW.Retries(); ok {
		return n, false, nil
	}
	switch r.SW {
	case apdu.SWOK:
		return k.MaxTries(), true, nil
	case apdu.SWBlocked:
		return 0, false, nil
	}
	return 0, false, &StatusError{Op: op, SW: r.SW}
}

// Verify presents k's PIN. It enforces the card's safety rules itself rather
// than trusting callers (design.md rule 2): the format is checked first; the
// counter is read; at 0 it refuses (ErrPINBlocked) without touching the
// card's counter, and at 1 it refuses (ErrLastTry) unless confirmLastTry is
// set. A wrong PIN returns *WrongPINError with the tries left. The PIN is
// sent once and never retried.
func (c *Client) Verify(ctx context.Context, k KeyKind, pin string, confirmLastTry bool) error {
	data, err := NormalizePIN(k, pin)
	if err != nil {
		return err
	}
	tries, verified, err := c.Retries(ctx, k)
	if err != nil {
		return err
	}
	switch {
	case tries == 0:
		return &StatusError{Op: "verify " + k.credential(), SW: apdu.SWBlocked}
	case tries == 1 && !verified && !confirmLastTry:
		return ErrLastTry
	}
	// The PIN EF is current after Retries, so P2 80 addresses it (§2.3).
	r, err := c.exchange(ctx, apdu.Command{CLA: 0x00, INS: 0x20, P1: 0x00, P2: 0x80, Data: data})
	clear(data)
	if err != nil {
		return fmt.Errorf("jpki: verify %s: %w", k.credential(), err)
	}
	if n, ok := r.SW.Retries(); ok {
		return &WrongPINError{Remaining: n}
	}
	if !r.SW.OK() {
		return &StatusError{Op: "verify " + k.credential(), SW: r.SW}
	}
	return nil
}

// SignDigestInfo asks the card to sign a DigestInfo with key k: COMPUTE
// DIGITAL SIGNATURE 80 2A 00 P2 with P1 00, which pads its input with
// PKCS#1 v1.5 type 1 and applies the private key (§2.4). The key is
// addressed by SFI (P2 97 / 9A), falling back to SELECT of the key EF. The
// matching PIN must have been verified in this session (else
// ErrSecurityStatus). Use DigestInfo to build the input: a bare hash would
// give a signature that standard verifiers reject (§13 item 8).
func (c *Client) SignDigestInfo(ctx context.Context, k KeyKind, digestInfo []byte) ([]byte, error) {
	if len(digestInfo) == 0 || len(digestInfo) > maxSignInput {
		return nil, fmt.Errorf("jpki: sign: input of %d bytes, want 1 to %d", len(digestInfo), maxSignInput)
	}
	cmd := apdu.Command{CLA: 0x80, INS: 0x2A, P1: 0x00, P2: 0x80 | byte(k.keyEF()), Data: digestInfo, Ne: apdu.MaxShortNe}
	op := "sign with " + k.String() + " key"
	if !c.opt.ExplicitSelect {
		r, err := c.exchange(ctx, cmd)
		if err != nil {
			return nil, fmt.Errorf("jpki: %s: %w", op, err)
		}
		if r.SW.OK() {
			return checkSignature(r.Data)
		}
		if !sfiRefused(r.SW) {
			return nil, &StatusError{Op: op, SW: r.SW}
		}
	}
	if err := c.selectEF(ctx, k.keyEF()); err != nil {
		return nil, err
	}
	cmd.P2 = 0x80
	r, err := c.expectOK(ctx, op, cmd)
	if err != nil {
		return nil, err
	}
	return checkSignature(r.Data)
}

// maxSignInput is k−11 bytes for a 2048-bit key with PKCS#1 v1.5 padding.
const maxSignInput = 245

func checkSignature(sig []byte) ([]byte, error) {
	if len(sig) == 0 {
		return nil, fmt.Errorf("%w: empty signature", ErrMalformedResponse)
	}
	return sig, nil
}

// IsCardGone reports whether err means the card went away (removed, tag
// lost), so that a retry with the card back in place makes sense.
func IsCardGone(err error) bool { return errors.Is(err, cardauth.ErrCardGone) }
