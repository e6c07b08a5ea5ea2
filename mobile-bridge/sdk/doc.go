// Package inkansdk is the phone SDK of Inkan: one Go implementation of the
// bridge agent for Android and iOS apps, bound with gomobile
// (gobind -lang=java,objc). The host app supplies the NFC link to the
// My Number Card ([NFC]) and, for the one-call flow, a [Listener] for
// progress and questions; the SDK does everything else: it parses and
// checks the bridge link, fetches the transaction, runs the card with the
// PIN safety rules of design.md rule 2, posts the answer and turns every
// failure into one [SDKError] with a stable code and plain-language
// messages in Japanese and English.
//
// Two ways to use it (docs/mobile-integration.md):
//
//   - Android: [Agent.Run] does everything in one call and asks the
//     Listener for the PIN once it has read the card's retry counter.
//   - iOS, where the PIN must be typed before the NFC session starts:
//     [Agent.Prepare] (who is asking), then the PIN, then [Agent.Sign]
//     inside the NFC session. [Agent.ReadCard] reads the retry counter
//     without spending a try, for apps that want it before the PIN.
//
// The exported API uses only what gomobile can bind: strings, bools, ints,
// float64, []byte, error, pointers to structs with such fields, and
// interfaces with such methods. Nothing here takes a context, a map, a
// slice other than []byte, or a time.Time.
//
// NFC robustness, in short: every APDU runs under its own timer (5 s by
// default; a timeout counts as a lost tag), every call under a deadline
// (30 s); steps that cannot change the card (SELECT, READ BINARY, the
// counter read) are retried after a lost tag once the host re-presents the
// card; a VERIFY is never repeated by the SDK after a lost tag. A later
// Sign call starts over from SELECT and the counter, so a lost VERIFY that
// did reach the card shows as a lowered counter and is reported as a wrong
// PIN instead of spending a second try with the same PIN.
package inkansdk
