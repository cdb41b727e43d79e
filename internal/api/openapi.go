package api

import (
	_ "embed"
	"net/http"
)

// openAPI is the OpenAPI 3.1 description of the routes. It is written by
// hand, and openapi_test.go checks it against the route table and against
// real responses.
//
//go:embed openapi.json
var openAPI []byte

// serveOpenAPI serves the API description. It is public: it holds no
// registry data, and clients and tools need it before they have a token.
func serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Write(openAPI)
}
