package login

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// lang is a language of the pages.
type lang string

// The languages of the catalogue. Japanese is the default: the users are
// customers of Japanese banks.
const (
	langJA lang = "ja"
	langEN lang = "en"
)

// langParam is the query or form field of the language switch.
const langParam = "lang"

// other is the language the switch link offers.
func (l lang) other() lang {
	if l == langEN {
		return langJA
	}
	return langEN
}

// supported maps a BCP 47 tag to a language of the catalogue by its primary
// subtag ("ja-JP" → ja, "en-GB" → en), or "".
func supported(tag string) lang {
	primary, _, _ := strings.Cut(strings.TrimSpace(tag), "-")
	switch strings.ToLower(primary) {
	case "ja":
		return langJA
	case "en":
		return langEN
	}
	return ""
}

// chooseLang picks the page language: an explicit choice from the switch
// link first, then the client's ui_locales (OIDC Core §3.1.2.1), then the
// browser's Accept-Language, then Japanese.
func chooseLang(r *http.Request, uiLocales []string) lang {
	switch v := lang(r.FormValue(langParam)); v {
	case langJA, langEN:
		return v
	}
	for _, t := range uiLocales {
		if l := supported(t); l != "" {
			return l
		}
	}
	for _, t := range parseAcceptLanguage(r.Header.Get("Accept-Language")) {
		if l := supported(t); l != "" {
			return l
		}
	}
	return langJA
}

// Bounds on Accept-Language: real browsers send a handful of tags; a
// longer header is cut, not parsed in full.
const (
	maxAcceptLanguage = 1024
	maxLanguageTags   = 16
)

// parseAcceptLanguage returns the tags of an Accept-Language header (RFC
// 9110 §12.5.4), best first: by q value, then by position. Tags with q=0,
// "*" and malformed entries are dropped. It never fails.
func parseAcceptLanguage(header string) []string {
	if len(header) > maxAcceptLanguage {
		header = header[:maxAcceptLanguage]
	}
	type entry struct {
		tag string
		q   float64
	}
	var entries []entry
	for part := range strings.SplitSeq(header, ",") {
		if len(entries) == maxLanguageTags {
			break
		}
		tag, params, _ := strings.Cut(part, ";")
		tag = strings.TrimSpace(tag)
		if tag == "" || tag == "*" || !isLanguageTag(tag) {
			continue
		}
		q := 1.0
		if params = strings.TrimSpace(params); params != "" {
			name, val, ok := strings.Cut(params, "=")
			if !ok || strings.TrimSpace(strings.ToLower(name)) != "q" {
				continue
			}
			v, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
			if err != nil || v < 0 || v > 1 || v != v {
				continue
			}
			q = v
		}
		if q == 0 {
			continue
		}
		entries = append(entries, entry{tag, q})
	}
	sort.SliceStable(entries, func(i, j int) bool { return entries[i].q > entries[j].q })
	tags := make([]string, len(entries))
	for i, e := range entries {
		tags[i] = e.tag
	}
	return tags
}

// isLanguageTag accepts the shape of a language range: 1–8 letters, then
// "-" and 1–8 letters or digits, repeated.
func isLanguageTag(s string) bool {
	if len(s) > 64 {
		return false
	}
	for i, sub := range strings.Split(s, "-") {
		if len(sub) == 0 || len(sub) > 8 {
			return false
		}
		for j := 0; j < len(sub); j++ {
			c := sub[j] | 0x20
			letter := 'a' <= c && c <= 'z'
			digit := '0' <= sub[j] && sub[j] <= '9'
			if !letter && !(digit && i > 0) {
				return false
			}
		}
	}
	return true
}
