package registry

// FilterSQL exposes a filter's conditions to the tests.
func FilterSQL(f ListFilter) (string, []any) { return f.where() }
