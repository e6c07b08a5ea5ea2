package login

import (
	"fmt"
	"strings"
)

// catalogue holds every string of the pages, one map per language. A test
// checks that both have the same keys. Strings are plain text: the
// templates escape them.
var catalogue = map[lang]map[string]string{
	langJA: {
		"skip":        "本文へ移動",
		"dev.banner":  "開発モード — テスト用認証局・仮想カード（DEVELOPMENT MODE — test CA, virtual cards）",
		"dev.autotap": "カードの手順は自動で完了しました（開発用） card step completed automatically (dev)",
		"dev.phone":   "仮想スマートフォンを新しいタブで開く（開発用）",
		"lang.nav":    "言語",
		"lang.switch": "English",
		"footer":      "Inkan — マイナンバーカードによるログイン",

		"title.login":   "マイナンバーカードでログイン",
		"title.consent": "情報提供の同意",
		"title.error":   "エラー",

		"login.h1":             "マイナンバーカードでログイン",
		"login.asking":         "ログインを求めているサービス:",
		"login.purpose.auth":   "マイナンバーカードの利用者証明用電子証明書で、ご本人であることを確認します。4桁の暗証番号が必要です。",
		"login.purpose.sign":   "マイナンバーカードの署名用電子証明書で、ご本人であることを確認し、氏名・住所・生年月日・性別を読み取ります。署名用パスワード（英数字6〜16文字）が必要です。",
		"login.waiting":        "カードの操作をお待ちしています。",
		"login.expires":        "有効期限:",
		"login.remaining":      "あと約%d分",
		"login.remaining.lt1":  "残り1分未満",
		"login.phone.h2":       "スマートフォンを使う",
		"login.phone.qr":       "Inkanアプリで、このQRコードを読み取ってください。",
		"login.phone.same":     "このスマートフォンでご覧の場合は、こちらのボタンからアプリを開けます。",
		"login.phone.open":     "このスマートフォンのアプリで開く",
		"login.qr.label":       "カード読み取り用のQRコード。下のリンクと同じ内容です。",
		"login.pc.h2":          "このパソコンのカードリーダーを使う",
		"login.pc.text":        "Inkan Reader をインストールしたパソコンに、カードリーダーをつないでください。",
		"login.pc.open":        "Inkan Reader で開く",
		"login.link.h2":        "リンク",
		"login.link.text":      "QRコードやボタンが使えない場合は、このリンクをアプリに渡してください。",
		"login.continue.h2":    "カードの操作が終わったら",
		"login.continue.text":  "画面が自動で切り替わらない場合は、「次へ進む」を押してください。",
		"login.continue":       "次へ進む",
		"login.restart":        "最初からやり直す",
		"login.restart.hint":   "「最初からやり直す」を押すと、新しいQRコードが表示されます。",
		"login.notyet":         "カードの操作がまだ完了していません。カードの操作を終えてから、もう一度「次へ進む」を押してください。",
		"login.almost":         "カードを確認しました。もう一度「次へ進む」を押してください。",
		"login.autotap.failed": "自動でのカード操作に失敗しました（開発用）。仮想スマートフォンで操作してください。",
		"login.binding.label":  "確認番号:",
		"login.binding.text":   "スマートフォンのアプリ（または Inkan Reader）に、これと同じ番号が表示されていることを確かめてください。違う番号のときは、カードを使わないでください。この画面のQRコードやリンクを、他の人に送らないでください。",
		"login.connected":      "スマートフォンなどの機器が、このログインを開きました。確認番号が同じか確かめてください。ご自身の機器でなければ、「最初からやり直す」を押してください。",

		"js.done":    "カードを確認しました。次の画面へ進みます。",
		"js.left":    "残り {t}",
		"js.expired": "時間切れになりました。",
		"js.retry":   "もう一度カードを操作してください。",

		"consent.h1":    "情報提供の同意",
		"consent.intro": "次の情報の提供先:",
		"consent.list":  "提供される情報",
		"consent.note":  "同意しない場合、情報は提供されず、サービスへのログインは中止されます。",
		"consent.allow": "同意して続ける",
		"consent.deny":  "同意しない",

		"scope.openid.title":          "このサービス専用の識別子",
		"scope.openid.text":           "このサービスだけに使われる番号で、あなたを見分けます。他のサービスには別の番号が渡ります。マイナンバー（個人番号）は提供されません。",
		"scope.verified_claims.title": "氏名・住所・生年月日・性別",
		"scope.verified_claims.text":  "マイナンバーカードの署名用電子証明書から読み取った、確認済みの情報です。",
		"scope.offline_access.title":  "継続的なアクセス",
		"scope.offline_access.text":   "あなたがサービスを使っていない間も、取り消すまで、サービスが上記の情報を取得できます。",
		"scope.other.text":            "サービスが求めるその他のアクセスです。",

		"err.h1":           "続けられません",
		"err.label":        "エラー:",
		"err.back":         "お手数ですが、ご利用のサービスに戻って、もう一度ログインを始めてください。",
		"err.unknown":      "このログインの依頼が見つかりません。期限切れか、すでに使われた可能性があります。",
		"err.expired":      "このログインの依頼は期限切れです。",
		"err.otherbrowser": "このログインは別のブラウザーで始められたものです。ご利用のサービスから、このブラウザーでもう一度始めてください。",
		"err.badform":      "送信された内容を読み取れませんでした。",
		"err.csrf":         "安全のため、この操作を受け付けられませんでした。ページを開き直してから、もう一度お試しください。",
		"err.unavailable":  "ただいまサービスを利用できません。しばらくしてから、もう一度お試しください。",
		"err.internal":     "システムで問題が起きました。しばらくしてから、もう一度お試しください。",
		"err.decision":     "「同意して続ける」か「同意しない」を選んでください。",
		"err.badlink":      "カードの手続きの情報が正しくありません。最初からやり直してください。",
		"err.notloggedin":  "まだカードでのログインが済んでいません。",
	},
	langEN: {
		"skip":        "Skip to main content",
		"dev.banner":  "DEVELOPMENT MODE — test CA, virtual cards",
		"dev.autotap": "card step completed automatically (dev)",
		"dev.phone":   "Open the virtual phone in a new tab (dev)",
		"lang.nav":    "Language",
		"lang.switch": "日本語",
		"footer":      "Inkan — sign-in with the My Number Card",

		"title.login":   "Sign in with your My Number Card",
		"title.consent": "Share your information",
		"title.error":   "Error",

		"login.h1":             "Sign in with your My Number Card",
		"login.asking":         "Service asking you to sign in:",
		"login.purpose.auth":   "Your My Number Card's user certificate will confirm that it is you. You need your 4-digit PIN.",
		"login.purpose.sign":   "Your My Number Card's signature certificate will confirm that it is you and share your name, address, date of birth and gender. You need your signature password (6–16 letters and digits).",
		"login.waiting":        "Waiting for your card.",
		"login.expires":        "Valid until",
		"login.remaining":      "about %d min left",
		"login.remaining.lt1":  "less than a minute left",
		"login.phone.h2":       "Use your phone",
		"login.phone.qr":       "Scan this QR code with the Inkan app.",
		"login.phone.same":     "Reading this on your phone? Open the app with this button.",
		"login.phone.open":     "Open the app on this phone",
		"login.qr.label":       "QR code for your card app. It holds the same link as below.",
		"login.pc.h2":          "Use a card reader on this PC",
		"login.pc.text":        "Connect a card reader to a computer where Inkan Reader is installed.",
		"login.pc.open":        "Open in Inkan Reader",
		"login.link.h2":        "Link",
		"login.link.text":      "If the QR code and buttons do not work, give this link to the app.",
		"login.continue.h2":    "When you have used your card",
		"login.continue.text":  "If this page does not move on by itself, press Continue.",
		"login.continue":       "Continue",
		"login.restart":        "Start again",
		"login.restart.hint":   "Press “Start again” for a new QR code.",
		"login.notyet":         "Your card has not been used yet. Please use your card, then press Continue again.",
		"login.almost":         "Your card was checked. Please press Continue again.",
		"login.autotap.failed": "The automatic card step failed (dev). Please use the virtual phone.",
		"login.binding.label":  "Check number:",
		"login.binding.text":   "Check that your phone app (or Inkan Reader) shows the same number. If it shows a different number, do not use your card. Never send this page's QR code or link to anyone.",
		"login.connected":      "A phone has opened this login. Check the number matches. If it was not your own device, press “Start again”.",

		"js.done":    "Your card was checked. Moving on.",
		"js.left":    "{t} left",
		"js.expired": "The time limit has passed.",
		"js.retry":   "Please use your card again.",

		"consent.h1":    "Share your information",
		"consent.intro": "The following will be shared with:",
		"consent.list":  "What will be shared",
		"consent.note":  "If you do not agree, nothing is shared and the sign-in is cancelled.",
		"consent.allow": "Agree and continue",
		"consent.deny":  "Do not agree",

		"scope.openid.title":          "An identifier for this service only",
		"scope.openid.text":           "A number that tells you apart for this service only; other services get a different one. Your My Number (Individual Number) is never shared.",
		"scope.verified_claims.title": "Your name, address, date of birth and gender",
		"scope.verified_claims.text":  "Verified information read from the signature certificate of your My Number Card.",
		"scope.offline_access.title":  "Ongoing access",
		"scope.offline_access.text":   "The service may keep getting the information above while you are away, until you withdraw it.",
		"scope.other.text":            "Other access the service asks for.",

		"err.h1":           "We cannot continue",
		"err.label":        "Error:",
		"err.back":         "Please go back to the service and start signing in again.",
		"err.unknown":      "This sign-in request was not found. It may have expired or already been used.",
		"err.expired":      "This sign-in request has expired.",
		"err.otherbrowser": "This sign-in was started in another browser. Please start again from the service in this browser.",
		"err.badform":      "What was sent could not be read.",
		"err.csrf":         "For your safety this action was refused. Please reload the page and try again.",
		"err.unavailable":  "The service cannot be used right now. Please try again in a few minutes.",
		"err.internal":     "Something went wrong on our side. Please try again later.",
		"err.decision":     "Please choose “Agree and continue” or “Do not agree”.",
		"err.badlink":      "The card step's details are not valid. Please start again.",
		"err.notloggedin":  "You have not signed in with your card yet.",
	},
}

// text returns the message key in l, formatted with args. A missing key
// shows as itself, which the catalogue test prevents.
func text(l lang, key string, args ...any) string {
	s, ok := catalogue[l][key]
	if !ok {
		return key
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// scopeItem is one line of the consent list.
type scopeItem struct {
	Name, Title, Text string
}

// describeScopes turns requested scopes into plain words, in request order,
// once each.
func describeScopes(l lang, scopes []string) []scopeItem {
	var items []scopeItem
	seen := map[string]bool{}
	for _, sc := range scopes {
		if seen[sc] || strings.TrimSpace(sc) == "" {
			continue
		}
		seen[sc] = true
		title, ok := catalogue[l]["scope."+sc+".title"]
		if !ok {
			items = append(items, scopeItem{Name: sc, Title: sc, Text: text(l, "scope.other.text")})
			continue
		}
		items = append(items, scopeItem{Name: sc, Title: title, Text: text(l, "scope."+sc+".text")})
	}
	return items
}
