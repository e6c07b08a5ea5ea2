package login

import (
	"strings"
	"testing"

	"github.com/inkan-id/inkan/mobile-bridge/protocol"
)

// TestBindingCodeShown: the page shows the transaction's binding code next
// to the QR code with the instruction to compare it, in both languages,
// and keeps it when Continue re-renders the page.
func TestBindingCodeShown(t *testing.T) {
	e := newEnv(t, nil)
	for _, c := range []struct{ target, instruction string }{
		{"/login?id=req1", "同じ番号が表示されていることを確かめてください"},
		{"/login?id=req1&lang=en", "shows the same number"},
	} {
		p := e.openLogin(c.target)
		code := e.bridge.states[p.form.Get("tx")].BindingCode
		if code == "" {
			t.Fatal("the fake bridge gave no code")
		}
		want := `<strong class="code" id="binding-code">` + code + `</strong>`
		if !strings.Contains(p.body, want) || !strings.Contains(p.body, c.instruction) {
			t.Errorf("%s: page lacks the code %s or the instruction", c.target, code)
		}
		// Near the QR code: before the phone section.
		if i, j := strings.Index(p.body, `id="binding-code"`), strings.Index(p.body, `class="qr"`); i < 0 || j < 0 || i > j {
			t.Errorf("%s: the code is not shown before the QR code", c.target)
		}
	}

	// No-JS Continue while pending: the code stays, and a connected
	// device is reported.
	p := e.openLogin("/login?id=req1")
	tx := p.form.Get("tx")
	st := e.bridge.states[tx]
	rec := e.post("/login/continue", p.form, p.cookie)
	if body := rec.Body.String(); !strings.Contains(body, `id="binding-code">`+st.BindingCode+`<`) || strings.Contains(body, `id="notice">スマートフォンなどの機器が`) {
		t.Errorf("pending, no device: code or notice wrong\n%s", body)
	}
	st.DeviceConnected = true
	e.bridge.set(tx, st)
	rec = e.post("/login/continue", p.form, p.cookie)
	if body := rec.Body.String(); !strings.Contains(body, `id="binding-code">`+st.BindingCode+`<`) || !strings.Contains(body, `id="notice">スマートフォンなどの機器が、このログインを開きました。`) {
		t.Errorf("pending, device connected: code or notice missing\n%s", body)
	}
	// A final state shows no code: nothing is left to compare.
	e.bridge.set(tx, protocol.Status{State: protocol.StateExpired, Error: protocol.NewError(protocol.CodeExpired), BindingCode: st.BindingCode})
	if body := e.post("/login/continue", p.form, p.cookie).Body.String(); strings.Contains(body, `id="binding-code"`) {
		t.Error("expired page shows the binding code")
	}
}
