// Package clientmeta holds the rules for client metadata that both the
// operator's config (provider/config) and dynamic registration
// (provider/clients) apply: redirect URIs, client ids, scopes, public key
// sets and secret hashes. Keeping them in one leaf package means a client
// that the config accepts is one that registration would accept too.
package clientmeta
