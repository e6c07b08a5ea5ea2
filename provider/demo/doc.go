// Package demo holds development-only pages served beside the provider by
// `inkan serve --dev`:
//
//   - the virtual phone ([Phone], /dev/phone): a phone-like page holding a
//     virtual My Number Card that answers bridge links exactly as the phone
//     app would (through mobile-bridge), and [Phone.AutoTap] for the login
//     pages' dev auto-complete;
//   - the demo relying party ([RP], /demo): a real OpenID Connect client
//     (go-oidc and x/oauth2, code flow with PKCE) that signs in against the
//     provider and shows the ID token claims and userinfo.
//
// Never wire these into a production server: the phone holds private keys
// and PINs of a test card and makes requests on the user's behalf.
package demo
