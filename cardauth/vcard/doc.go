// Package vcard is a virtual My Number Card: the JPKI application's APDU state
// machine with the same AID, EFs, status words, PIN counters and lockout as the
// real card, as far as jpki.md (§2, §11) knows them.
//
// The card is strict on purpose. The permissive emulators in other projects
// let clients pass tests that fail on real hardware (jpki.md §11.5), so every
// precondition the real card is known to enforce is enforced here, and where
// the real answer is unknown the stricter plausible answer is chosen and
// marked "uncertain" in a comment and in docs/vcard.md.
//
// A Card is in-memory (New) or backed by a card file (Load). A file-backed card
// writes every PIN-counter change to disk before the response leaves the card,
// so killing the process can never give an attacker fresh tries.
package vcard
