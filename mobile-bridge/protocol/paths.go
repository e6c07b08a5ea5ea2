package protocol

// Paths of the bridge endpoints, relative to the issuer URL. A provider
// whose issuer has a path (https://bank.example/idp) serves them below it
// (https://bank.example/idp/bridge/v1/tx/ID).
const (
	// PathPrefix is the prefix of every bridge endpoint.
	PathPrefix = "/bridge/v1/"
	// TxPath is followed by the transaction id:
	// GET (fetch the transaction) and POST (answer it) with the agent secret.
	TxPath = "/bridge/v1/tx/"
	// StatusSuffix follows TxPath+ID: the JSON status for the browser page.
	StatusSuffix = "/status"
	// EventsSuffix follows TxPath+ID: the same status as server-sent events.
	EventsSuffix = "/events"
)

// BrowserTokenParam is the query parameter that carries the browser token
// on the status and events endpoints. The query form exists because a
// browser's EventSource cannot set headers; "Authorization: Bearer TOKEN"
// is accepted too.
const BrowserTokenParam = "t"

// MediaType is the content type of every JSON body.
const MediaType = "application/json"

// EventStreamType is the content type of the events endpoint.
const EventStreamType = "text/event-stream"
