package inkansdk

import (
	"fmt"
	"strings"
)

// messages are the texts shown to the user, English then Japanese, written
// for someone who has never heard of certificates or NFC. Keys are a code,
// optionally refined by "/password" (the signature password instead of the
// 4-digit PIN) and "/last" (one try left). A %d stands for the tries left.
// docs/mobile-integration.md repeats this table; a test keeps them in step.
var messages = map[string][2]string{
	CodeWrongPIN: {
		"The PIN is not correct. Please check your 4-digit PIN and enter it again. Tries left before it is locked: %d.",
		"暗証番号が違います。数字4けたの暗証番号を確かめて、もう一度入力してください。ロックされるまで、あと%d回です。"},
	CodeWrongPIN + "/last": {
		"The PIN is not correct. You have %d try left: if the next PIN is also wrong, it will be locked. If you are not sure, stop here and check your PIN first.",
		"暗証番号が違います。残りは%d回です。次もまちがえるとロックされます。自信がないときは、ここで中止して暗証番号を確かめてください。"},
	CodeWrongPIN + "/password": {
		"The signature password is not correct. Please check it (6 to 16 letters and numbers) and enter it again. Tries left before it is locked: %d.",
		"署名用パスワードが違います。英字と数字の6〜16文字のパスワードを確かめて、もう一度入力してください。ロックされるまで、あと%d回です。"},
	CodeWrongPIN + "/password/last": {
		"The signature password is not correct. You have %d try left: if the next one is also wrong, it will be locked. If you are not sure, stop here and check your password first.",
		"署名用パスワードが違います。残りは%d回です。次もまちがえるとロックされます。自信がないときは、ここで中止してパスワードを確かめてください。"},

	CodeLastTryNeedsConfirmation: {
		"You can enter the PIN only one more time. If it is wrong, the PIN will be locked and you will have to go to your city, town or village office to unlock it. Continue only if you are sure.",
		"暗証番号を入力できるのは、あと1回です。まちがえるとロックされ、市区町村の窓口での手続きが必要になります。確かなときだけ、続けてください。"},
	CodeLastTryNeedsConfirmation + "/password": {
		"You can enter the signature password only one more time. If it is wrong, it will be locked and you will have to unlock it at your city, town or village office. Continue only if you are sure.",
		"署名用パスワードを入力できるのは、あと1回です。まちがえるとロックされ、市区町村の窓口などでの手続きが必要になります。確かなときだけ、続けてください。"},

	CodePINBlocked: {
		"Your PIN is locked because a wrong PIN was entered too many times. Please take your My Number Card to your city, town or village office (市区町村の窓口) to unlock it and set the PIN again.",
		"暗証番号をまちがえた回数が多かったため、ロックされています。マイナンバーカードを持って、お住まいの市区町村の窓口で、ロックの解除と暗証番号の再設定をしてください。"},
	CodePINBlocked + "/password": {
		"Your signature password is locked because a wrong password was entered too many times. You can unlock it at your city, town or village office (市区町村の窓口), or at a convenience-store kiosk that offers this service.",
		"署名用パスワードをまちがえた回数が多かったため、ロックされています。お住まいの市区町村の窓口か、この手続きができるコンビニのキオスク端末（マルチコピー機）で、ロックを解除してください。"},

	CodeBadPINFormat: {
		"The PIN is 4 digits. Please check what you entered. Nothing was sent to the card, so no try was used.",
		"暗証番号は数字4けたです。入力した内容を確かめてください。カードには送っていないので、回数は減っていません。"},
	CodeBadPINFormat + "/password": {
		"The signature password is 6 to 16 characters and has both letters and numbers. Please check what you entered. Nothing was sent to the card, so no try was used.",
		"署名用パスワードは、英字と数字をまぜた6〜16文字です。入力した内容を確かめてください。カードには送っていないので、回数は減っていません。"},

	CodeCardMovedAway: {
		"The card moved away from the phone. You do not need to enter the PIN again. Please hold the card against the back of the phone and keep it still until it is finished.",
		"カードがスマートフォンから離れました。暗証番号の入力はやり直さなくて大丈夫です。カードをスマートフォンの背面に当てて、終わるまで動かさないでください。"},
	CodeNotAMyNumberCard: {
		"This does not seem to be a My Number Card. Please hold your My Number Card against the phone.",
		"マイナンバーカードではないようです。マイナンバーカードをスマートフォンに当ててください。"},
	CodeCertificateMissing: {
		"Your card has no electronic certificate for signing in. Please ask at your city, town or village office.",
		"このカードには、ログインに使う電子証明書（利用者証明用）が入っていません。お住まいの市区町村の窓口にご相談ください。"},
	CodeCertificateMissing + "/password": {
		"Your card has no electronic certificate for signatures (for example, cards of children under 15 do not have one). Please ask at your city, town or village office.",
		"このカードには、署名用電子証明書が入っていません（15歳未満の方のカードなど）。お住まいの市区町村の窓口にご相談ください。"},
	CodeCardError: {
		"Something went wrong while reading your card. Please hold the card against the phone again and try again.",
		"カードの読み取りで問題が起きました。カードをもう一度スマートフォンに当てて、やり直してください。"},

	CodeCertificateExpired: {
		"The electronic certificate on your card has expired. Please renew it at your city, town or village office.",
		"カードの電子証明書の有効期限が切れています。お住まいの市区町村の窓口で更新してください。"},
	CodeCertificateRevoked: {
		"The electronic certificate on your card can no longer be used. Please ask at your city, town or village office.",
		"カードの電子証明書は、すでに使えなくなっています。お住まいの市区町村の窓口にご相談ください。"},
	CodeCardNotAccepted: {
		"This card cannot be used here. Please use your My Number Card.",
		"このカードはここでは使えません。マイナンバーカードをお使いください。"},
	CodeVerificationFailed: {
		"Your card could not be confirmed. Please hold the card still and try again.",
		"カードを確認できませんでした。カードを動かさずに、もう一度お試しください。"},
	CodeDeviceTimeWrong: {
		"The date and time on your phone may be wrong. Please check them in the settings and try again.",
		"スマートフォンの日付や時刻がずれているかもしれません。設定で確かめて、もう一度お試しください。"},

	CodeInvalidLink: {
		"This link cannot be used. Please scan the QR code on the website again.",
		"このリンクは使えません。ウェブサイトのQRコードを、もう一度読み取ってください。"},
	CodeServiceNotTrusted: {
		"This app cannot be used to sign in to this service. Nothing was sent.",
		"このアプリでは、このサービスにログインできません。情報は何も送っていません。"},
	CodeOriginMismatch: {
		"This request did not come from the expected website, so it was stopped for your safety. Please open the website yourself and start again.",
		"想定と違うウェブサイトからの依頼のため、安全のため中止しました。ご自身でウェブサイトを開いて、最初からやり直してください。"},
	CodeTransactionExpired: {
		"The time limit has passed. Please start again from the website.",
		"時間切れになりました。もう一度、ウェブサイトから始めてください。"},
	CodeAlreadyUsed: {
		"This request has already been used. Please start again from the website.",
		"この依頼は、すでに使われています。もう一度、ウェブサイトから始めてください。"},
	CodeTooManyAttempts: {
		"There were too many failed tries. Please start again from the website.",
		"失敗が続いたため、この依頼は使えなくなりました。もう一度、ウェブサイトから始めてください。"},
	CodeClaimedByAnotherDevice: {
		"This login was already opened on another phone, so it cannot be used here. If you did not open it yourself, someone else may have your QR code: do not continue, and start again from the website.",
		"このログインは、すでに別のスマートフォンで開かれているため、ここでは使えません。ご自身で開いたものでなければ、QRコードが他の人に渡っている可能性があります。操作を続けず、もう一度ウェブサイトから始めてください。"},

	CodeNetwork: {
		"The phone cannot connect to the internet. Please move to a place with a good signal and try again.",
		"インターネットにつながりません。電波の良い場所で、もう一度お試しください。"},
	CodeServiceUnavailable: {
		"The service cannot be used right now. Please try again in a few minutes.",
		"ただいまサービスを利用できません。しばらくしてから、もう一度お試しください。"},
	CodeServiceError: {
		"The service reported a problem. Please start again from the website.",
		"サービスで問題が起きました。もう一度、ウェブサイトから始めてください。"},
	CodeAppOutdated: {
		"This app is too old for this service. Please update the app and try again.",
		"このアプリは古いため、このサービスでは使えません。アプリを最新版に更新してから、もう一度お試しください。"},

	CodeTimeout: {
		"This took too long and was stopped. Please try again.",
		"時間がかかりすぎたため、中止しました。もう一度お試しください。"},
	CodeCancelled: {
		"Cancelled.",
		"中止しました。"},
	CodeInternal: {
		"Something went wrong in the app. Please close the app and try again.",
		"アプリで問題が起きました。アプリを閉じて、もう一度お試しください。"},
}

func isJapanese(lang string) bool { return strings.HasPrefix(strings.ToLower(lang), "ja") }

// message picks the most specific text for code, credential and tries.
func message(code, credential string, tries int, lang string) string {
	base := code
	if _, ok := messages[base]; !ok {
		base = CodeInternal
	}
	keys := make([]string, 0, 4)
	if credential == CredentialPassword {
		if tries == 1 {
			keys = append(keys, base+"/password/last")
		}
		keys = append(keys, base+"/password")
	}
	if tries == 1 {
		keys = append(keys, base+"/last")
	}
	keys = append(keys, base)
	for _, k := range keys {
		t, ok := messages[k]
		if !ok {
			continue
		}
		s := t[0]
		if isJapanese(lang) {
			s = t[1]
		}
		if strings.Contains(s, "%d") {
			s = fmt.Sprintf(s, max(tries, 0))
		}
		return s
	}
	return ""
}
