package api

// Route is one row of the route table, for the tests in package api_test.
type Route struct {
	Method, Pattern string
	Public          bool
}

// Routes lists the route table Handler registers.
func Routes() []Route {
	var out []Route
	for _, rt := range (&Server{}).routes() {
		out = append(out, Route{rt.method, rt.pattern, rt.public})
	}
	return out
}

// OpenAPI is the embedded OpenAPI document.
var OpenAPI = openAPI
