package mobilebridge

import (
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/inkan-id/inkan/mobile-bridge/protocol"
)

// Prompt says in plain words what the user is about to authorise, in
// Japanese and English: who asks, at which provider, with which key and
// secret, what the service receives, when the request was made and until
// when it holds, and the binding code to compare with the screen. An app
// shows it before asking for the PIN (docs/security.md).
type Prompt struct {
	JA, EN string
}

// jst is Japan time; a fixed zone needs no tzdata on the phone (Japan has
// no daylight saving time).
var jst = time.FixedZone("JST", 9*60*60)

// Prompt describes the session's transaction, naming the origin the agent
// connected to.
func (s *Session) Prompt() Prompt { return Describe(&s.Transaction, s.Link.Origin()) }

// Describe words tx for the user; origin is the provider's origin as the
// agent connected to it. Text from the provider is stripped of control and
// bidirectional formatting characters, so that a service name cannot
// disguise itself.
func Describe(tx *protocol.Transaction, origin string) Prompt {
	rp := clean(tx.RelyingParty.Name)
	if rp == "" {
		rp = clean(tx.RelyingParty.ClientID)
	}
	origin = clean(origin)
	created, expires := tx.CreatedAt.In(jst), tx.ExpiresAt.In(jst)
	code := clean(tx.BindingCode)

	var ja, en strings.Builder
	if tx.Purpose == protocol.PurposeSign {
		fmt.Fprintf(&ja, "%s (%s) に、マイナンバーカードの署名用電子証明書で電子署名をします。署名用パスワード（英数字6〜16文字）を使います。氏名・住所・生年月日・性別が %s に渡ります。", rp, origin, rp)
		fmt.Fprintf(&en, "You are about to make an electronic signature for %s (%s) with your My Number Card's signature certificate, using your signature password (6–16 letters and digits). %s will receive your name, address, date of birth and gender.", rp, origin, rp)
	} else {
		fmt.Fprintf(&ja, "%s (%s) にマイナンバーカードでログインします。利用者証明用電子証明書と暗証番号（数字4桁）を使います。氏名や住所はカードから読み取りません。", rp, origin)
		fmt.Fprintf(&en, "You are about to sign in to %s (%s) with your My Number Card, using its user certificate and your 4-digit PIN. Your name and address are not read from the card.", rp, origin)
	}
	if jaS, enS := scopeWords(tx.Scopes); len(jaS) > 0 {
		fmt.Fprintf(&ja, "%s が受け取るもの: %s。", rp, strings.Join(jaS, "、"))
		fmt.Fprintf(&en, " %s receives: %s.", rp, strings.Join(enS, ", "))
	}
	fmt.Fprintf(&ja, "依頼: %s、有効期限: %s（日本時間）。", created.Format("2006年1月2日 15:04"), expires.Format("15:04"))
	fmt.Fprintf(&en, " Requested %s, valid until %s (Japan time).", created.Format("2006-01-02 15:04"), expires.Format("15:04"))
	fmt.Fprintf(&ja, "確認番号は「%s」です。ログインを始めた画面にも同じ番号が出ていることを確かめてください。番号が違うとき、ご自身で始めたログインでないとき、人に頼まれて読み取ったときは、ここで中止してください。", code)
	fmt.Fprintf(&en, " The check number is %s. Make sure the screen where you started this sign-in shows the same number. If it does not, if you did not start this yourself, or if someone asked you to scan it, stop here.", code)
	return Prompt{JA: ja.String(), EN: en.String()}
}

// scopeWords names the scopes the relying party receives, in plain words.
func scopeWords(scopes []string) (ja, en []string) {
	seen := map[string]bool{}
	for _, sc := range scopes {
		sc = clean(sc)
		if sc == "" || seen[sc] {
			continue
		}
		seen[sc] = true
		switch sc {
		case "openid":
			ja, en = append(ja, "このサービス専用の識別子（マイナンバーではありません）"), append(en, "an identifier for this service only (not your My Number)")
		case "verified_claims":
			ja, en = append(ja, "確認済みの氏名・住所・生年月日・性別"), append(en, "your verified name, address, date of birth and gender")
		case "offline_access":
			ja, en = append(ja, "取り消すまでの継続的なアクセス"), append(en, "ongoing access until you withdraw it")
		default:
			ja, en = append(ja, sc), append(en, sc)
		}
	}
	return ja, en
}

// clean drops control and bidirectional formatting characters and caps
// the length, for text from the provider shown to the user.
func clean(s string) string {
	var b strings.Builder
	n := 0
	for _, r := range s {
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || r == unicode.ReplacementChar {
			continue
		}
		if n++; n > 100 {
			b.WriteRune('…')
			break
		}
		b.WriteRune(r)
	}
	return strings.TrimSpace(b.String())
}
