package config

import (
	"encoding/asn1"
	"net/url"
	"strconv"
	"strings"

	"github.com/inkan-id/inkan/cardauth/profile"
)

func (c *Config) validateJPKI(l *errs) {
	j := c.JPKI
	switch j.Mode {
	case ModeProduction, ModeTest:
	default:
		l.add("jpki.mode", "must be %q or %q", ModeProduction, ModeTest)
	}
	if len(j.Roots) == 0 && !c.Dev {
		l.add("jpki.roots", "at least one PEM file of JPKI root certificates is required")
	}
	for i, p := range j.Roots {
		if p == "" {
			l.add(idx("jpki.roots", i), "empty path")
		}
	}
	c.validatePolicies(l, "jpki.auth_policies", j.AuthPolicies)
	c.validatePolicies(l, "jpki.sign_policies", j.SignPolicies)

	r := j.Revocation
	if r.OCSP.URL != "" {
		if err := checkFetchURL(r.OCSP.URL); err != "" {
			l.add("jpki.revocation.ocsp.url", "%s", err)
		}
	}
	if r.OCSP.Enabled {
		between(l, "jpki.revocation.ocsp.timeout", r.OCSP.Timeout, 1, MaxOCSPTimeout)
	}
	for i, crl := range r.CRLs {
		f := idx("jpki.revocation.crls", i)
		switch {
		case (crl.Path == "") == (crl.URL == ""):
			l.add(f, "give exactly one of path or url")
		case crl.URL != "":
			if err := checkFetchURL(crl.URL); err != "" {
				l.add(f+".url", "%s", err)
			}
		}
	}
	if !r.OCSP.Enabled && len(r.CRLs) == 0 {
		// Without a source every status is unknown and every login fails
		// closed (design rule 6); say so now rather than at the first login.
		l.add("jpki.revocation", "no revocation source: enable ocsp or list crls")
	}
	between(l, "jpki.revocation.good_ttl", r.GoodTTL, 1, MaxGoodTTL)
	between(l, "jpki.revocation.soft_fail", r.SoftFail, 0, MaxSoftFail)
}

func (c *Config) validatePolicies(l *errs, field string, oids []string) {
	for i, s := range oids {
		oid, ok := ParseOID(s)
		switch {
		case !ok:
			l.add(idx(field, i), "not a dotted OID like 1.2.392.200149.8.5.1.3.30")
		case c.JPKI.Mode == ModeProduction && oid.Equal(profile.PolicyTestSign):
			l.add(idx(field, i), "the JPKI-TEST policy is refused in production mode")
		}
	}
}

// ParseOID parses a dotted object identifier such as "1.2.392.200149.8.5.1.3.30".
func ParseOID(s string) (asn1.ObjectIdentifier, bool) {
	parts := strings.Split(s, ".")
	if len(parts) < 2 {
		return nil, false
	}
	oid := make(asn1.ObjectIdentifier, len(parts))
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || p != strconv.Itoa(n) {
			return nil, false
		}
		oid[i] = n
	}
	// X.660: the first arc is 0, 1 or 2, and under 0 and 1 the second is
	// below 40.
	if oid[0] > 2 || oid[0] < 2 && oid[1] >= 40 {
		return nil, false
	}
	return oid, true
}

// checkFetchURL returns what is wrong with a URL the provider fetches
// revocation data from, or "". Plain http is normal here: OCSP responses and
// CRLs are signed, and JPKI publishes them over http.
func checkFetchURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || !u.IsAbs() || u.Host == "" {
		return "must be an absolute http or https URL"
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "must be an http or https URL"
	}
	return ""
}

// Policies returns the parsed policy OIDs; Validate has checked them, so
// unparsable entries are skipped.
func Policies(oids []string) []asn1.ObjectIdentifier {
	var out []asn1.ObjectIdentifier
	for _, s := range oids {
		if oid, ok := ParseOID(s); ok {
			out = append(out, oid)
		}
	}
	return out
}
