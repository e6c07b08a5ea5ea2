package config

// Warnings lists settings that are valid but deserve the operator's
// attention at startup, as "field: why". The server logs them.
func (c *Config) Warnings() []string {
	var w []string
	if c.Dev {
		w = append(w, "dev: development mode (http, open registration, test roots); never use it for real users")
	}
	if c.JPKI.Mode == ModeTest && !c.Dev {
		w = append(w, "jpki.mode: test roots are trusted; real users must not sign in to this instance")
	}
	if c.JPKI.Revocation.SoftFail > 0 {
		w = append(w, "jpki.revocation.soft_fail: logins succeed while revocation status is unknown, for at most "+fmtDur(c.JPKI.Revocation.SoftFail))
	}
	if c.Keys.PublishDelay == 0 && !c.Dev {
		w = append(w, "keys.publish_delay: 0 means new keys sign before relying parties can have fetched them")
	}
	for i, cl := range c.Clients {
		if cl.Secret != "" {
			w = append(w, idx("clients", i)+".secret: plain secret in the config (dev only)")
		}
		if cl.IDTokenSignedResponseAlg == "RS256" {
			w = append(w, idx("clients", i)+".id_token_signed_response_alg: RS256 is not allowed by FAPI 2.0")
		}
	}
	return w
}
