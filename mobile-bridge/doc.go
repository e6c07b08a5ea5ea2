// Package mobilebridge is the agent side of the Inkan bridge: it answers a
// bridge link with a card, the way the phone app and the desktop agent do
// (design.md steps 4–6).
//
// The flow is split in two so that an app can show the user who is asking
// before it asks for the PIN: [Fetch] reads the transaction behind a link,
// and [Session.Answer] runs the card and posts its answer. [Run] does both,
// for tools and tests (inkan vcard tap).
//
// Fetch claims the transaction for this device (docs/security.md): it sends
// a claim token, one per transaction and process unless
// [Options.ClaimToken] gives one, and the provider then refuses every other
// device. It also refuses a transaction whose origin is not the one it
// connected to ([OriginMismatchError]). Before asking for the PIN, an app
// shows [Session.Prompt] (who asks, where, for what, until when) and
// [Session.BindingCode], which the user compares with the login page.
//
// Errors keep their types: a refusal by the provider is a *protocol.Error
// with a stable code and texts for the user, a card problem is one of
// cardauth/jpki's typed errors (wrong PIN with tries left, blocked, ...),
// a bad link is a *protocol.LinkError, a network failure a *TransportError.
package mobilebridge
