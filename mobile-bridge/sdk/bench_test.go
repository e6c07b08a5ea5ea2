package inkansdk_test

import (
	"testing"

	"github.com/inkan-id/inkan/cardauth/vcard"
	"github.com/inkan-id/inkan/mobile-bridge/protocol"
	inkansdk "github.com/inkan-id/inkan/mobile-bridge/sdk"
	"github.com/inkan-id/inkan/provider/bridge/bridgetest"
)

// BenchmarkLogin measures one login (Prepare, ReadCard, Sign) against the
// in-process bridge with the virtual card. The metric that matters is
// agent-ms/login: the SDK's own time, i.e. wall time minus the time
// inside Transceive (the card) and inside HTTP round trips (the network
// and the provider's verification). ns/op includes all of them and the
// virtual card's RSA signature, so it says little about a phone.
func BenchmarkLogin(b *testing.B) {
	for _, warm := range []bool{false, true} {
		name := "cold"
		if warm {
			name = "warm"
		}
		b.Run(name, func(b *testing.B) {
			srv := bridgetest.New(b, nil)
			card := vcard.New(bridgetest.Card(b))
			a := newAgent(b, nil)
			if warm {
				// One login fills the certificate cache.
				if _, err := a.Prepare(srv.Create(b, protocol.PurposeAuth).Link); err != nil {
					b.Fatal(err)
				}
				if _, err := a.Sign(newPhone(card), authPIN, false); err != nil {
					b.Fatal(err)
				}
			}
			var agent, cardMs, net float64
			var apdus int
			for b.Loop() {
				b.StopTimer()
				c := srv.Create(b, protocol.PurposeAuth)
				if !warm {
					a.ForgetCard()
				}
				b.StartTimer()
				p := newPhone(card)
				if _, err := a.Prepare(c.Link); err != nil {
					b.Fatal(err)
				}
				if _, err := a.ReadCard(p); err != nil {
					b.Fatal(err)
				}
				res, err := a.Sign(p, authPIN, false)
				if err != nil {
					b.Fatal(err)
				}
				agent += res.AgentMillis
				cardMs += res.CardMillis
				net += res.NetworkMillis
				apdus += res.APDUs
			}
			n := float64(b.N)
			b.ReportMetric(agent/n, "agent-ms/login")
			b.ReportMetric(cardMs/n, "card-ms/login")
			b.ReportMetric(net/n, "net-ms/login")
			b.ReportMetric(float64(apdus)/n, "sign-apdus/login")
		})
	}
}

var _ inkansdk.NFC = (*phone)(nil)
