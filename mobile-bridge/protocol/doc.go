// Package protocol holds the wire types of the Inkan bridge: the link that
// carries a card transaction to an agent (phone app or desktop agent), the
// JSON bodies of the /bridge/v1/ endpoints, and the error codes both sides
// agree on (design.md steps 3–6).
//
// The provider (provider/bridge) and the agents (mobile-bridge, the desktop
// agent) both import it, so it depends on the standard library only. Agents
// written in other languages follow docs/bridge.md, which describes the same
// contract in prose; the signed message itself is in docs/client-data.md.
//
// Compatibility: agents ignore JSON fields they do not know in Transaction,
// Result, Status and Error, so that a provider can add fields. The provider
// rejects unknown fields in Response, so that nothing unsigned rides along
// with a card answer.
package protocol
