package clients

import (
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

func TestClientOPMethods(t *testing.T) {
	yes := true
	conf := &Client{Metadata: Metadata{ID: "bank", AuthMethod: oidc.AuthMethodPrivateKeyJWT, AccessTokenType: "jwt",
		GrantTypes: []oidc.GrantType{oidc.GrantTypeCode}, ResponseTypes: []oidc.ResponseType{oidc.ResponseTypeCode},
		RedirectURIs: []string{"https://bank.example.jp/cb"}, Scopes: []string{"openid", "jp_aml"}}}
	pub := &Client{Metadata: Metadata{ID: "app", AuthMethod: oidc.AuthMethodNone, AccessTokenType: "opaque", SubjectType: "public"}}

	if got := conf.LoginURL("a b&c=d"); got != "/login?id=a+b%26c%3Dd" {
		t.Errorf("LoginURL = %q", got)
	}
	if conf.ApplicationType() != op.ApplicationTypeWeb || pub.ApplicationType() != op.ApplicationTypeNative {
		t.Error("ApplicationType: confidential must be web, public native")
	}
	if conf.AccessTokenType() != op.AccessTokenTypeJWT || pub.AccessTokenType() != op.AccessTokenTypeBearer {
		t.Error("AccessTokenType mapping")
	}
	if conf.RotatesRefreshTokens() || !pub.RotatesRefreshTokens() {
		t.Error("refresh rotation defaults: off for confidential, on for public")
	}
	conf.RefreshRotation = &yes
	if !conf.RotatesRefreshTokens() {
		t.Error("RefreshRotation override ignored")
	}
	if !conf.IsScopeAllowed("jp_aml") || conf.IsScopeAllowed("admin") {
		t.Error("IsScopeAllowed")
	}
	if conf.DevMode() || conf.ClockSkew() != 0 || conf.IDTokenUserinfoClaimsAssertion() {
		t.Error("fixed op.Client answers changed")
	}
	if conf.IDTokenLifetime() != DefaultIDTokenLifetime {
		t.Error("IDTokenLifetime default")
	}
	if s := conf.RestrictAdditionalIdTokenScopes()([]string{"a"}); len(s) != 1 {
		t.Error("scope restriction must be the identity")
	}
	if !conf.Pairwise() || pub.Pairwise() || conf.IsPublic() || !pub.IsPublic() || !conf.HasGrant(oidc.GrantTypeCode) {
		t.Error("helpers")
	}
	if conf.GetID() != "bank" || conf.RedirectURIs()[0] != "https://bank.example.jp/cb" || len(conf.ResponseTypes()) != 1 {
		t.Error("accessors")
	}
	r := New(nil, []*Client{conf}, WithIDTokenLifetime(3*time.Minute))
	if r.static["bank"].IDTokenLifetime() != 3*time.Minute {
		t.Error("WithIDTokenLifetime not applied")
	}
}
