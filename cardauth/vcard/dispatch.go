package vcard

import (
	"context"

	"github.com/inkan-id/inkan/cardauth/apdu"
)

// Instruction bytes.
const (
	insVerify          = 0x20
	insChangeRefData   = 0x24
	insSign            = 0x2A // with CLA 80: COMPUTE DIGITAL SIGNATURE (JPKI)
	insGetChallenge    = 0x84
	insSelect          = 0xA4
	insReadBinary      = 0xB0
	insGetResponse     = 0xC0
	insGetData         = 0xCA
	insLastCommand     = 0xFC // with CLA 80: iPhone token's last-command marker
	claProprietaryBits = 0x80
)

func sw(s apdu.StatusWord) apdu.Response { return apdu.Response{SW: s} }

// dispatch checks the class byte and the length fields, then runs the
// command. pending is the data a previous answer left for GET RESPONSE.
func (c *Card) dispatch(ctx context.Context, raw []byte, pending []byte) (apdu.Response, error) {
	if len(raw) < 4 {
		return sw(apdu.SWWrongLength), nil
	}
	cla, ins := raw[0], raw[1]
	// Only the interindustry (0x) and proprietary (8x) first-class ranges
	// exist on the card. Command chaining (CLA bit 0x10) falls here too: the
	// card is not known to support it, and 6E00 is the conservative answer.
	if cla&0xF0 != 0x00 && cla&0xF0 != claProprietaryBits {
		return sw(apdu.SWCLANotSupported), nil
	}
	if cla&0x03 != 0 {
		return sw(apdu.SWLogicalChannel), nil
	}
	if cla&0x0C != 0 { // secure messaging (jpki.md §2.1, single source)
		if ins == insSelect {
			return sw(apdu.SWSecureMessaging), nil
		}
		return sw(apdu.SWSMDataObjects), nil
	}
	cmd, err := apdu.ParseCommand(raw)
	if err != nil {
		return sw(apdu.SWWrongLength), nil
	}
	if cmd.Extended && !c.f.ExtendedLength {
		return sw(apdu.SWWrongLength), nil
	}
	if cla&claProprietaryBits != 0 {
		switch ins {
		case insSign:
			return c.computeSignature(ctx, cmd)
		case insLastCommand:
			return c.lastCommand(cmd), nil
		}
		return sw(apdu.SWINSNotSupported), nil
	}
	switch ins {
	case insSelect:
		return c.selectFile(cmd), nil
	case insReadBinary:
		return c.readBinary(cmd), nil
	case insVerify:
		return c.verify(cmd)
	case insChangeRefData:
		return c.changeReferenceData(cmd)
	case insGetChallenge:
		return c.getChallenge(cmd), nil
	case insGetResponse:
		return c.getResponse(cmd, pending), nil
	case insGetData:
		return c.getData(cmd), nil
	}
	return sw(apdu.SWINSNotSupported), nil
}
